package tcp

import (
	"time"

	"github.com/hopsnet/hops/seq"
)

// Defaults for the zero [Config], after Linux where Linux has a number.
const (
	DefaultMSS             = 1460                   // Ethernet MTU 1500 less 20 (IPv4) and 20 (TCP)
	DefaultBufSize         = 128 << 10              // send and receive buffers, bytes
	DefaultSynRetries      = 6                      // Linux tcp_syn_retries: gives up 127 s after the first SYN
	DefaultDataRetries     = 15                     // Linux tcp_retries2 (as a count, not Linux's time bound)
	DefaultDelayedAck      = 40 * time.Millisecond  // Linux TCP_DELACK_MIN
	DefaultQuickAcks       = 16                     // Linux TCP_MAX_QUICKACKS
	DefaultMSL             = 30 * time.Second       // 2·MSL = 60 s = Linux TCP_TIMEWAIT_LEN
	DefaultFinWait2Timeout = 60 * time.Second       // Linux tcp_fin_timeout, for closed (orphaned) connections
	DefaultKeepaliveIdle   = 2 * time.Hour          // Linux tcp_keepalive_time
	DefaultKeepaliveIntvl  = 75 * time.Second       // Linux tcp_keepalive_intvl
	DefaultKeepaliveProbes = 9                      // Linux tcp_keepalive_probes
	InitialRTO             = time.Second            // RFC 6298 section 2.1
	MinRTO                 = 200 * time.Millisecond // Linux TCP_RTO_MIN (RFC 6298 says 1 s)
	MaxRTO                 = 120 * time.Second      // Linux TCP_RTO_MAX
	minSendMSS             = 48                     // Linux tcp_min_snd_mss: the floor for SetPathMTU
	maxWindowShift         = 14                     // RFC 7323 section 2.3
)

// Config configures a connection. The zero value (with an ISS filled
// in) is a Linux-like connection: MSS 1460, 128 KiB buffers, window
// scaling, timestamps and SACK on, Nagle on, delayed ACKs, CUBIC.
type Config struct {
	// ISS is the initial send sequence number. The caller chooses it,
	// normally with [ISS] (RFC 6528).
	ISS seq.Value
	// MSS is the maximum segment size to advertise, from the outgoing
	// interface's MTU less 40. Segments we send never exceed it either.
	// 0 means DefaultMSS.
	MSS int
	// SendBufSize and RecvBufSize are the buffer sizes in bytes; 0 means
	// DefaultBufSize. The receive buffer bounds the advertised window.
	SendBufSize, RecvBufSize int
	// RecvBufMax turns on receive-buffer autotuning, Linux's dynamic
	// right-sizing (tcp_rcv_space_adjust): the buffer starts at
	// RecvBufSize and, once per round trip in which the application read
	// more than before, grows to twice what it read plus 16 segments, up
	// to RecvBufMax, so the window keeps ahead of what the path carries.
	// The window scale offered is the one RecvBufMax needs. 0 (the
	// default) keeps RecvBufSize, as Linux does for a socket whose
	// SO_RCVBUF was set.
	RecvBufMax int
	// NoWindowScale, NoTimestamps and NoSACK turn off offering the window
	// scale (RFC 7323 section 2), timestamp (RFC 7323 section 3) and
	// SACK-permitted (RFC 2018) options.
	NoWindowScale, NoTimestamps, NoSACK bool
	// NoDelay turns off Nagle's algorithm (TCP_NODELAY).
	NoDelay bool
	// DelayedAck is the delayed-ACK timeout; 0 means DefaultDelayedAck,
	// negative turns delayed ACKs off (every segment is ACKed at once).
	DelayedAck time.Duration
	// QuickAcks is how many data segments are ACKed at once when the
	// connection starts, before delayed ACKs begin; 0 means
	// DefaultQuickAcks, negative means none.
	QuickAcks int
	// SynRetries and DataRetries bound the retransmissions of a SYN and
	// of data (or probes of a closed window) before the connection fails
	// with ErrTimeout; 0 means the defaults.
	SynRetries, DataRetries int
	// SynLinearTimeouts is how many retransmission timeouts of an active
	// open keep the initial RTO before it starts doubling, and how many
	// retransmissions of the SYN it adds to SynRetries: Linux 6.5's
	// tcp_syn_linear_timeouts (its default there is 4: SYNs at 0, 1, 2,
	// 3, 4, 5, 7, 11 s ...). 0, the default here, doubles from the first
	// timeout, as RFC 6298 section 5.5 and Linux before 6.5 do.
	SynLinearTimeouts int
	// Keepalive turns on keepalive probes (SO_KEEPALIVE), sent after
	// KeepaliveIdle without a segment from the peer, every
	// KeepaliveInterval, up to KeepaliveProbes unanswered; 0 values mean
	// Linux's defaults.
	Keepalive         bool
	KeepaliveIdle     time.Duration
	KeepaliveInterval time.Duration
	KeepaliveProbes   int
	// MSL is the maximum segment lifetime; TIME-WAIT lasts 2·MSL. 0 means
	// DefaultMSL.
	MSL time.Duration
	// FinWait2Timeout bounds FIN-WAIT-2 after Close (not after
	// CloseWrite, which may wait forever for the peer). 0 means
	// DefaultFinWait2Timeout.
	FinWait2Timeout time.Duration
	// TSOffset is added to the millisecond clock in our timestamps
	// (Linux randomizes it per connection); 0 is fine in a simulation.
	TSOffset uint32
	// Congestion makes the connection's congestion controller; nil means
	// NewCubic (CUBIC with HyStart++, Linux's default). NewNewReno, or
	// CongestionByName("newreno"), selects NewReno.
	Congestion func() CongestionControl
}

// withDefaults returns cfg with every zero field replaced by its default.
func (cfg Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.MSS, DefaultMSS)
	cfg.MSS = min(max(cfg.MSS, minSendMSS), 65535-40)
	def(&cfg.SendBufSize, DefaultBufSize)
	def(&cfg.RecvBufSize, DefaultBufSize)
	def(&cfg.SynRetries, DefaultSynRetries)
	def(&cfg.DataRetries, DefaultDataRetries)
	def(&cfg.KeepaliveProbes, DefaultKeepaliveProbes)
	if cfg.QuickAcks == 0 {
		cfg.QuickAcks = DefaultQuickAcks
	}
	defDur(&cfg.DelayedAck, DefaultDelayedAck)
	defDur(&cfg.MSL, DefaultMSL)
	defDur(&cfg.FinWait2Timeout, DefaultFinWait2Timeout)
	defDur(&cfg.KeepaliveIdle, DefaultKeepaliveIdle)
	defDur(&cfg.KeepaliveInterval, DefaultKeepaliveIntvl)
	if cfg.Congestion == nil {
		cfg.Congestion = NewCubic
	}
	return cfg
}

// windowShift is the window scale we offer for a receive buffer of size
// bytes, as Linux's tcp_select_initial_window computes it: the smallest
// shift that brings the buffer under 65536, at most 14.
func windowShift(size int) uint8 {
	var s uint8
	for size > 65535 && s < maxWindowShift {
		size >>= 1
		s++
	}
	return s
}
