package tcp

// State is one of the eleven connection states of RFC 9293 section 3.3.2.
// The zero value is Closed.
type State uint8

// The connection states, in the order RFC 9293 section 3.3.2 lists them.
const (
	Closed      State = iota // no connection
	Listen                   // waiting for a SYN (a listener's state; a Conn never sits in it)
	SynSent                  // our SYN sent, waiting for the peer's
	SynReceived              // SYN received and our SYN sent, waiting for its ACK
	Established              // data flows both ways
	FinWait1                 // our FIN sent, not yet acknowledged
	FinWait2                 // our FIN acknowledged, waiting for the peer's
	CloseWait                // the peer's FIN received, waiting for the app to close
	Closing                  // both FINs sent, ours not yet acknowledged
	LastAck                  // the peer closed first; our FIN sent, waiting for its ACK
	TimeWait                 // both FINs acknowledged; waiting 2·MSL for stray segments
)

var stateNames = [...]string{
	Closed:      "CLOSED",
	Listen:      "LISTEN",
	SynSent:     "SYN-SENT",
	SynReceived: "SYN-RECEIVED",
	Established: "ESTABLISHED",
	FinWait1:    "FIN-WAIT-1",
	FinWait2:    "FIN-WAIT-2",
	CloseWait:   "CLOSE-WAIT",
	Closing:     "CLOSING",
	LastAck:     "LAST-ACK",
	TimeWait:    "TIME-WAIT",
}

// String returns the state's name as RFC 9293 spells it, e.g. "SYN-SENT".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + itoa(int(s)) + ")"
}

// synchronized reports whether the state is one of RFC 9293's
// synchronized states (section 3.5.2): every state after the handshake,
// SYN-RECEIVED included.
func (s State) synchronized() bool { return s >= SynReceived }

// canSendData reports whether segments carrying data or our FIN may go
// out in this state (RFC 9293 section 3.10.2, SEND: ESTABLISHED and
// CLOSE-WAIT; a FIN still being retransmitted in FIN-WAIT-1, CLOSING and
// LAST-ACK).
func (s State) canSendData() bool {
	switch s {
	case Established, CloseWait, FinWait1, Closing, LastAck:
		return true
	}
	return false
}

// canReceiveData reports whether text in an arriving segment is
// processed in this state (RFC 9293 section 3.10.7.4, seventh: ESTABLISHED,
// FIN-WAIT-1 and FIN-WAIT-2).
func (s State) canReceiveData() bool {
	return s == Established || s == FinWait1 || s == FinWait2
}

// itoa formats a small non-negative integer without strconv.
func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
