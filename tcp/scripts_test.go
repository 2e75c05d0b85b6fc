package tcp

import "testing"

type scriptCase struct {
	name   string
	cfg    func(*Config)
	script string
}

// newReno selects NewReno, for scripts whose numbers are RFC 5681's
// (ssthresh = FlightSize / 2) rather than CUBIC's.
func newReno(c *Config) { c.Congestion = NewNewReno }

func runScripts(t *testing.T, cases []scriptCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var cfg Config
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			runScript(t, cfg, tc.script)
		})
	}
}

// passiveOpen is the handshake every passive script starts with: the
// peer offers MSS 1460, SACK, timestamps and window scale 7.
const passiveOpen = `
0     < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 2>
+0.1  < . 1:1(0) ack 1 win 512 <TS val 200 ecr 0>
+0    state ESTABLISHED
`

// passiveOpenNoSACK is passiveOpen with a peer that does not permit
// SACK: loss recovery is NewReno's.
const passiveOpenNoSACK = `
0     < S 0:0(0) win 65535 <mss 1460,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 65160 <mss 1460,nop,nop,TS val 0 ecr 100,nop,wscale 2>
+0.1  < . 1:1(0) ack 1 win 512 <TS val 200 ecr 0>
+0    state ESTABLISHED
`

func TestScriptHandshake(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "passive", script: passiveOpen},
		{name: "active", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
+0    state SYN-SENT
+0.05 < S. 0:0(0) ack 1 win 65535 <mss 1400,sackOK,TS val 700 ecr 0,nop,wscale 7>
+0    > . 1:1(0) ack 1 win 32768 <TS val 50 ecr 700>
+0    state ESTABLISHED
`},
	})
}

func TestScriptData(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "data-and-ack", script: passiveOpen + `
+0    < P. 1:1001(1000) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 1001 win 32518 <TS val 100 ecr 300>
+0    read 1000
+0    write 2000
+0    > . 1:1449(1448) ack 1001 win 32768 <TS val 100 ecr 300>
+0    > P. 1449:2001(552) ack 1001 win 32768 <TS val 100 ecr 300>
+0.1  < . 1001:1001(0) ack 2001 win 512 <TS val 400 ecr 100>
+0    rto 300ms
+1    idle
`},
		{name: "delayed-ack", cfg: func(c *Config) { c.QuickAcks = -1 }, script: passiveOpen + `
+0    < P. 1:1001(1000) ack 1 win 512 <TS val 300 ecr 0>
+0.04 > . 1:1(0) ack 1001 win 32518 <TS val 140 ecr 300>
// Two full-sized segments: the second is ACKed at once.
+0.1  < . 1001:2449(1448) ack 1 win 512 <TS val 400 ecr 0>
+0.01 < . 2449:3897(1448) ack 1 win 512 <TS val 410 ecr 0>
+0    > . 1:1(0) ack 3897 win 31794 <TS val 250 ecr 400>
// One more: the delayed-ACK timer, 40 ms later.
+0.01 < P. 3897:4897(1000) ack 1 win 512 <TS val 420 ecr 0>
+0.04 > . 1:1(0) ack 4897 win 31544 <TS val 300 ecr 420>
`},
		{name: "out-of-order-sack", script: passiveOpen + `
+0    < . 1449:2897(1448) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 1 win 32768 <TS val 100 ecr 200,sack 1449:2897>
+0    < . 4345:5793(1448) ack 1 win 512 <TS val 310 ecr 0>
+0    > . 1:1(0) ack 1 win 32768 <TS val 100 ecr 200,sack 4345:5793 1449:2897>
// A duplicate is stored once.
+0    < . 1449:2897(1448) ack 1 win 512 <TS val 320 ecr 0>
+0    > . 1:1(0) ack 1 win 32768 <TS val 100 ecr 200,sack 1449:2897 4345:5793>
+0    readable 0
// The hole fills: everything up to the second hole is delivered.
+0    < . 1:1449(1448) ack 1 win 512 <TS val 330 ecr 0>
+0    > . 1:1(0) ack 2897 win 32044 <TS val 100 ecr 330,sack 4345:5793>
+0    < . 2897:4345(1448) ack 1 win 512 <TS val 340 ecr 0>
+0    > . 1:1(0) ack 5793 win 31320 <TS val 100 ecr 340>
+0    read 5792
`},
	})
}

func TestScriptRetransmission(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "syn-backoff-then-timeout", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
// RFC 6298: initial RTO 1 s, doubled each time (1, 2, 4, 8, 16, 32 s);
// six retries, then ErrTimeout 127 s after the first SYN (Linux).
1     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 2>
3     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 3000 ecr 0,nop,wscale 2>
7     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 7000 ecr 0,nop,wscale 2>
15    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 15000 ecr 0,nop,wscale 2>
31    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 31000 ecr 0,nop,wscale 2>
63    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 63000 ecr 0,nop,wscale 2>
126.9 state SYN-SENT
127   state CLOSED
+0    err ErrTimeout
`},
		{name: "syn-linear-timeouts", cfg: func(c *Config) { c.SynLinearTimeouts = 4 }, script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
// Linux 6.5's tcp_syn_linear_timeouts = 4: the first four timeouts
// keep the 1 s RTO, then it doubles (1, 1, 1, 1, 1, 2, 4 ... s), and
// the four are added to the six retries: ten, then ErrTimeout at 131 s.
1     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 2>
2     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 2000 ecr 0,nop,wscale 2>
3     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 3000 ecr 0,nop,wscale 2>
4     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 4000 ecr 0,nop,wscale 2>
5     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 5000 ecr 0,nop,wscale 2>
7     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 7000 ecr 0,nop,wscale 2>
11    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 11000 ecr 0,nop,wscale 2>
19    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 19000 ecr 0,nop,wscale 2>
35    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 35000 ecr 0,nop,wscale 2>
67    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 67000 ecr 0,nop,wscale 2>
130.9 state SYN-SENT
131   state CLOSED
+0    err ErrTimeout
`},
		{name: "syn-retransmitted-then-answered", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
1     > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 2>
+0.1  < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 700 ecr 1000,nop,wscale 7>
+0    > . 1:1(0) ack 1 win 32768 <TS val 1100 ecr 700>
// Karn: no sample from the retransmitted SYN, but its echoed timestamp
// gives 100 ms; RFC 5681: one-segment initial window after a lost SYN.
+0    rto 300ms
+0    cwnd 1448
`},
		{name: "data-rto-backoff", cfg: func(c *Config) { c.DataRetries = 3; c.Congestion = NewNewReno }, script: passiveOpen + `
+0.1  write 1000
+0    > P. 1:1001(1000) ack 1 win 32768 <TS val 200 ecr 200>
// SRTT 100 ms from the handshake: RTO = 100 + max(4*50, 200) = 300 ms.
// NewReno: ssthresh = max(FlightSize / 2, 2 SMSS) (RFC 5681 (4)).
+0.3  > P. 1:1001(1000) ack 1 win 32768 <TS val 500 ecr 200>
+0    cwnd 1448
+0    ssthresh 2896
+0.6  > P. 1:1001(1000) ack 1 win 32768 <TS val 1100 ecr 200>
+1.2  > P. 1:1001(1000) ack 1 win 32768 <TS val 2300 ecr 200>
+2.39 state ESTABLISHED
+0.01 state CLOSED
+0    err ErrTimeout
`},
		{name: "rto-then-ack", script: passiveOpen + `
+0.1  write 1000
+0    > P. 1:1001(1000) ack 1 win 32768 <TS val 200 ecr 200>
+0.3  > P. 1:1001(1000) ack 1 win 32768 <TS val 500 ecr 200>
+0.05 < . 1:1(0) ack 1001 win 512 <TS val 400 ecr 500>
// The echoed timestamp of the retransmission gives a 50 ms sample.
+0    rto 293.75ms
+5    idle
`},
		{name: "data-rto-cubic", script: passiveOpen + `
+0.1  write 1000
+0    > P. 1:1001(1000) ack 1 win 32768 <TS val 200 ecr 200>
// CUBIC, the default: ssthresh = beta_cubic * cwnd = 0.7 * 10 segments
// (RFC 9438 section 4.6, with cwnd as Linux), cwnd the loss window.
+0.3  > P. 1:1001(1000) ack 1 win 32768 <TS val 500 ecr 200>
+0    cwnd 1448
+0    ssthresh 10136
// The backed-off timeout resends the same segment: ssthresh stays
// (RFC 5681 section 3.1, Linux's tcp_enter_loss).
+0.6  > P. 1:1001(1000) ack 1 win 32768 <TS val 1100 ecr 200>
+0    cwnd 1448
+0    ssthresh 10136
+0.05 < . 1:1(0) ack 1001 win 512 <TS val 400 ecr 1100>
// Slow start again, by the bytes acknowledged.
+0    cwnd 2448
+0    ssthresh 10136
+5    idle
`},
		{name: "fast-retransmit-newreno", cfg: newReno, script: passiveOpenNoSACK + `
+0.1  write 14480
+0    > . 1:1449(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 1449:2897(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 2897:4345(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 4345:5793(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 5793:7241(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 7241:8689(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 8689:10137(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 10137:11585(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 11585:13033(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > P. 13033:14481(1448) ack 1 win 32768 <TS val 200 ecr 200>
// Segments 1 and 3 are lost: duplicate ACKs, no SACK (the peer did not
// permit it).
+0.1  < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200>
+0    > . 1:1449(1448) ack 1 win 32768 <TS val 300 ecr 300>
// RFC 6582: ssthresh = flight/2, cwnd = ssthresh + 3 SMSS, +1 SMSS per dup.
+0    ssthresh 7240
+0    cwnd 11584
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200>
+0    cwnd 13032
// A partial ACK: the next hole goes out at once.
+0.1  < . 1:1(0) ack 2897 win 512 <TS val 400 ecr 300>
+0    > . 2897:4345(1448) ack 1 win 32768 <TS val 400 ecr 400>
+0    cwnd 11584
// The full ACK ends recovery: cwnd = min(ssthresh, max(flight, SMSS) + SMSS).
+0.1  < . 1:1(0) ack 14481 win 512 <TS val 500 ecr 400>
+0    cwnd 2896
+1    idle
`},
	})
}

func TestScriptZeroWindow(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "persist-backoff-then-open", script: passiveOpen + `
+0.1  write 1000
+0    > P. 1:1001(1000) ack 1 win 32768 <TS val 200 ecr 200>
+0.1  < . 1:1(0) ack 1001 win 0 <TS val 300 ecr 200>
+0    write 1000
// RTO 300 ms: probes at +0.3, then doubling (0.6, 1.2, 2.4 s), each
// one below SND.UNA, each answered with the window still closed.
+0.3  > . 1000:1000(0) ack 1 win 32768 <TS val 600 ecr 300>
+0    < . 1:1(0) ack 1001 win 0 <TS val 600 ecr 600>
+0.6  > . 1000:1000(0) ack 1 win 32768 <TS val 1200 ecr 600>
+0    < . 1:1(0) ack 1001 win 0 <TS val 1200 ecr 1200>
+1.2  > . 1000:1000(0) ack 1 win 32768 <TS val 2400 ecr 1200>
+0    < . 1:1(0) ack 1001 win 0 <TS val 2400 ecr 2400>
+1    state ESTABLISHED
// The window opens: the data goes at once.
+0    < . 1:1(0) ack 1001 win 512 <TS val 3400 ecr 2400>
+0    > P. 1001:2001(1000) ack 1 win 32768 <TS val 3400 ecr 3400>
`},
		{name: "receiver-closes-window", cfg: func(c *Config) { c.RecvBufSize = 4000; c.QuickAcks = -1 }, script: `
0     < S 0:0(0) win 65535 <mss 1000,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 2896 <mss 1460,TS val 0 ecr 100,nop,wscale 0>
+0.1  < . 1:1(0) ack 1 win 512 <TS val 200 ecr 0>
+0    < P. 1:1001(1000) ack 1 win 512 <TS val 300 ecr 0>
+0    < P. 1001:2001(1000) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 2001 win 2000 <TS val 100 ecr 300>
+0    < P. 2001:3001(1000) ack 1 win 512 <TS val 300 ecr 0>
+0    < P. 3001:4001(1000) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 4001 win 0 <TS val 100 ecr 300>
// A probe of the closed window is answered with an ACK.
+0.5  < . 4000:4000(0) ack 1 win 512 <TS val 800 ecr 100>
+0    > . 1:1(0) ack 4001 win 0 <TS val 600 ecr 300>
// Reading 500 bytes does not reopen it (receiver SWS avoidance: the
// edge moves by at least min(buffer/2, MSS)); 1000 bytes do.
+0    read 500
+0    read 500
+0    > . 1:1(0) ack 4001 win 1000 <TS val 600 ecr 300>
+0    readable 3000
`},
	})
}

// activeOpen is the handshake every active script starts with.
const activeOpen = `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
+0.1  < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 500 ecr 0,nop,wscale 7>
+0    > . 1:1(0) ack 1 win 32768 <TS val 100 ecr 500>
`

func TestScriptReset(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "syn-sent-acceptable-ack", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
+0.1  < R. 0:0(0) ack 1 win 0
+0    state CLOSED
+0    err ErrConnRefused
`},
		{name: "syn-sent-without-ack", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
+0.1  < R 0:0(0) win 0
+0    state SYN-SENT
+0    < R. 0:0(0) ack 7 win 0
+0    state SYN-SENT
`},
		{name: "syn-sent-bad-ack", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
+0.1  < S. 0:0(0) ack 7 win 65535 <mss 1460>
+0    > R 7:7(0) win 0
+0    state SYN-SENT
`},
		{name: "syn-received", script: `
0     < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 2>
+0.1  < R 1:1(0) win 0
+0    state CLOSED
+0    err ErrReset
`},
		{name: "syn-received-bad-ack", script: `
0     < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 2>
+0.1  < . 1:1(0) ack 9 win 512 <TS val 200 ecr 0>
+0    > R 9:9(0) win 0
+0    state SYN-RECEIVED
`},
		{name: "syn-received-duplicate-syn", script: `
0     < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 2>
+0.5  < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 600 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 500 ecr 600,nop,wscale 2>
`},
		{name: "established-exact", script: passiveOpen + `
+0.1  < R. 1:1(0) ack 1 win 0
+0    state CLOSED
+0    err ErrReset
+0    write 10 0
`},
		{name: "established-in-window-challenge", script: passiveOpen + `
+0.1  < R. 1001:1001(0) ack 1 win 0
+0    > . 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0    state ESTABLISHED
// RFC 5961 section 7: challenge ACKs are rate-limited.
+0.1  < R. 1001:1001(0) ack 1 win 0
+0    idle
// The attacker cannot guess RCV.NXT; the real peer answers the challenge
// with an RST at exactly RCV.NXT.
+0    < R 1:1(0) win 0
+0    state CLOSED
`},
		{name: "established-out-of-window", script: passiveOpen + `
+0.1  < R. 900000:900000(0) ack 1 win 0
+0    state ESTABLISHED
+1    idle
`},
		{name: "established-syn-challenge", script: passiveOpen + `
+0.1  < S 5000:5000(0) win 65535 <mss 1460>
+0    > . 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0    state ESTABLISHED
`},
		{name: "established-old-ack-challenge", script: passiveOpen + `
+0.1  < . 1:1(0) ack 4000000000 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0.5  < . 1:1(0) ack 5000 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 1 win 32768 <TS val 700 ecr 200>
`},
		{name: "abort", script: passiveOpen + `
+0.1  abort
+0    > R. 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0    state CLOSED
+0    err ErrAborted
`},
		{name: "close-with-unread-data", script: passiveOpen + `
+0    < P. 1:11(10) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 11 win 32765 <TS val 100 ecr 300>
+0    close
+0    > R. 1:1(0) ack 11 win 32765 <TS val 100 ecr 300>
+0    err ErrAborted
`},
	})
}

func TestScriptClose(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "active-close", script: passiveOpen + `
+0.1  closewrite
+0    > F. 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0    state FIN-WAIT-1
+0.1  < . 1:1(0) ack 2 win 512 <TS val 300 ecr 200>
+0    state FIN-WAIT-2
// Half-closed: the peer may still send.
+0    < P. 1:101(100) ack 2 win 512 <TS val 300 ecr 200>
+0    > . 2:2(0) ack 101 win 32743 <TS val 300 ecr 300>
+0    read 100
+1    < F. 101:101(0) ack 2 win 512 <TS val 1300 ecr 300>
+0    > . 2:2(0) ack 102 win 32743 <TS val 1300 ecr 1300>
+0    state TIME-WAIT
+0    eof
// A retransmitted FIN is ACKed again and restarts the 2 MSL wait.
+10   < F. 101:101(0) ack 2 win 512 <TS val 11300 ecr 300>
+0    > . 2:2(0) ack 102 win 32743 <TS val 11300 ecr 1300>
+59.9 state TIME-WAIT
+0.1  state CLOSED
+0    err nil
`},
		{name: "passive-close", script: passiveOpen + `
+0.1  < F. 1:1(0) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 2 win 32768 <TS val 200 ecr 300>
+0    state CLOSE-WAIT
+0    eof
+0    write 10
+0    > P. 1:11(10) ack 2 win 32768 <TS val 200 ecr 300>
+0    closewrite
+0    > F. 11:11(0) ack 2 win 32768 <TS val 200 ecr 300>
+0    state LAST-ACK
+0.1  < . 2:2(0) ack 11 win 512 <TS val 400 ecr 200>
+0    state LAST-ACK
+0.1  < . 2:2(0) ack 12 win 512 <TS val 500 ecr 200>
+0    state CLOSED
+0    err nil
`},
		{name: "simultaneous-close", script: passiveOpen + `
+0.1  closewrite
+0    > F. 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0.05 < F. 1:1(0) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 2:2(0) ack 2 win 32768 <TS val 250 ecr 300>
+0    state CLOSING
+0.05 < . 2:2(0) ack 2 win 512 <TS val 350 ecr 200>
+0    state TIME-WAIT
+60   state CLOSED
`},
		{name: "fin-out-of-order", script: passiveOpen + `
+0.1  < F. 101:101(0) ack 1 win 512 <TS val 300 ecr 0>
+0    > . 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0    state ESTABLISHED
+0    < P. 1:101(100) ack 1 win 512 <TS val 310 ecr 0>
+0    > . 1:1(0) ack 102 win 32743 <TS val 200 ecr 310>
+0    state CLOSE-WAIT
+0    read 100
+0    eof
`},
		{name: "close-then-orphan-fin-wait-2", script: passiveOpen + `
+0.1  close
+0    > F. 1:1(0) ack 1 win 32768 <TS val 200 ecr 200>
+0.1  < . 1:1(0) ack 2 win 512 <TS val 300 ecr 200>
+0    state FIN-WAIT-2
// Linux's tcp_fin_timeout: 60 s, then an RST.
+60   > R. 2:2(0) ack 1 win 32768 <TS val 60300 ecr 300>
+0    state CLOSED
`},
		{name: "fin-after-data-in-syn-sent-close", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
+0    closewrite
+0    state CLOSED
+5    idle
`},
	})
}

func TestScriptSimultaneousOpen(t *testing.T) {
	runScripts(t, []scriptCase{{name: "simultaneous-open", script: `
0     dial
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 2>
+0.05 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 50 ecr 100,nop,wscale 2>
+0    state SYN-RECEIVED
+0.05 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 150 ecr 0,nop,wscale 7>
+0    state ESTABLISHED
+0    write 100
+0    > P. 1:101(100) ack 1 win 32768 <TS val 100 ecr 150>
`}})
}

func TestScriptPathMTU(t *testing.T) {
	runScripts(t, []scriptCase{{name: "frag-needed", script: passiveOpen + `
+0.1  write 4000
+0    > . 1:1449(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 1449:2897(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > P. 2897:4001(1104) ack 1 win 32768 <TS val 200 ecr 200>
// An ICMP fragmentation-needed says 1000: everything in flight goes
// again in 948-byte segments (1000 - 20 - 20 - 12 of timestamps).
+0.01 mtu 1000
+0    > . 1:949(948) ack 1 win 32768 <TS val 210 ecr 200>
+0    > . 949:1897(948) ack 1 win 32768 <TS val 210 ecr 200>
+0    > . 1897:2845(948) ack 1 win 32768 <TS val 210 ecr 200>
+0    > . 2845:3793(948) ack 1 win 32768 <TS val 210 ecr 200>
+0    > P. 3793:4001(208) ack 1 win 32768 <TS val 210 ecr 200>
+0.1  < . 1:1(0) ack 4001 win 512 <TS val 300 ecr 210>
+0    write 1000
+0    > . 4001:4949(948) ack 1 win 32768 <TS val 310 ecr 300>
+0    > P. 4949:5001(52) ack 1 win 32768 <TS val 310 ecr 300>
`}})
}
