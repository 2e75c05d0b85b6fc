package tcp

import (
	"fmt"
	"testing"
	"time"

	"github.com/hopsnet/hops/seq"
)

// sendTen is the first flight after passiveOpen: 20000 bytes written,
// ten segments (the initial window) sent, 5520 bytes waiting.
const sendTen = `
+0.1  write 20000
+0    > . 1:1449(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 1449:2897(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 2897:4345(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 4345:5793(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 5793:7241(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 7241:8689(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 8689:10137(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 10137:11585(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 11585:13033(1448) ack 1 win 32768 <TS val 200 ecr 200>
+0    > . 13033:14481(1448) ack 1 win 32768 <TS val 200 ecr 200>
`

func TestScriptSACKRecovery(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "three-holes-one-round-trip", cfg: newReno, script: passiveOpen + sendTen + `
// Segments 1, 3 and 5 are lost; the peer SACKs the others. The first
// two duplicate ACKs each let a new segment out (the SACKed bytes left
// the pipe: limited transmit, RFC 6675 step (2)).
+0.1  < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 1449:2897>
+0    > . 14481:15929(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:5793 1449:2897>
+0    > . 15929:17377(1448) ack 1 win 32768 <TS val 300 ecr 300>
// Three SACKed runs above segment 1: IsLost, recovery. ssthresh = cwnd
// = FlightSize/2; pipe = 1448 (segment 1, lost but retransmitted) +
// 1448 + 1448 (holes 3 and 5, not yet lost) + 8688 (above the SACKs).
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 7241:8689 4345:5793 1449:2897>
+0    > . 1:1449(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    ssthresh 8688
+0    cwnd 8688
+0    pipe 13032
// SACKs of segments 7 to 12 (two of them new data) shrink the pipe:
// holes 3 and 5 become lost and go as soon as cwnd - pipe >= 1 SMSS,
// then the new data.
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 7241:10137 4345:5793 1449:2897>
+0    pipe 10136
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 7241:11585 4345:5793 1449:2897>
+0    > . 2897:4345(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    pipe 8688
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 7241:13033 4345:5793 1449:2897>
+0    > . 5793:7241(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 7241:14481 4345:5793 1449:2897>
+0    > . 17377:18825(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 7241:15929 4345:5793 1449:2897>
+0    > P. 18825:20001(1176) ack 1 win 32768 <TS val 300 ecr 300>
// Nothing new is left: the rescue retransmission (rule 4) covers the
// highest unSACKed byte, once.
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 7241:17377 4345:5793 1449:2897>
+0    > P. 18553:20001(1448) ack 1 win 32768 <TS val 300 ecr 300>
// One round trip after the first: every hole is repaired.
+0.1  < . 1:1(0) ack 2897 win 512 <TS val 400 ecr 300,sack 4345:5793 7241:17377>
+0    < . 1:1(0) ack 5793 win 512 <TS val 400 ecr 300,sack 7241:17377>
+0    < . 1:1(0) ack 17377 win 512 <TS val 400 ecr 300>
+0    cwnd 8688
+0    < . 1:1(0) ack 20001 win 512 <TS val 400 ecr 300>
+1    idle
`},
		{name: "lost-retransmissions-then-rto", cfg: newReno, script: passiveOpen + `
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
// Segments 1 and 3 are lost. The third duplicate ACK starts recovery.
+0.1  < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 1449:2897>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:5793 1449:2897>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:7241 1449:2897>
+0    > . 1:1449(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    cwnd 7240
+0    pipe 10136
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:8689 1449:2897>
+0    pipe 7240
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:10137 1449:2897>
+0    > . 2897:4345(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    pipe 7240
// Nothing new to send and no hole left below the SACKs: the rescue
// retransmission of the tail (rule 4), once.
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:11585 1449:2897>
+0    > P. 13033:14481(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:13033 1449:2897>
+0    < . 1:1(0) ack 1 win 512 <TS val 300 ecr 200,sack 4345:14481 1449:2897>
// Only the two retransmissions are in the pipe; both are lost, and a
// retransmission is never repeated within one recovery.
+0    pipe 2896
// The timeout (RTO 300 ms from the first send) collapses cwnd, keeps
// the ssthresh of this recovery and the scoreboard: only the holes go.
0.5   > . 1:1449(1448) ack 1 win 32768 <TS val 500 ecr 300>
+0    cwnd 1448
+0    ssthresh 7240
+0.1  < . 1:1(0) ack 2897 win 512 <TS val 500 ecr 500,sack 4345:14481>
+0    > . 2897:4345(1448) ack 1 win 32768 <TS val 600 ecr 500>
// Slow start: 1448 + 2896 + 2896, up to ssthresh.
+0.1  < . 1:1(0) ack 14481 win 512 <TS val 600 ecr 600>
+0    cwnd 7240
+5    idle
`},
	})
}

// TestPipeSACKRecovery runs the lossy pipe with SACK on and off: with
// the scoreboard, bursts of loss are repaired by fast recovery instead
// of retransmission timeouts.
func TestPipeSACKRecovery(t *testing.T) {
	var timeouts, fast [2]uint64 // [0] SACK, [1] NewReno
	var took [2]time.Duration
	for i, noSACK := range []bool{false, true} {
		for seed := uint64(1); seed <= 4; seed++ {
			pc := pipeConfig{delay: 10 * time.Millisecond, loss: 0.05, seed: seed, bytes: 1 << 20, limit: time.Hour}
			pc.cfg = func(side int, c *Config) { c.NoSACK = noSACK }
			p := newPipe(t, pc)
			if err := p.run(); err != nil {
				t.Fatal(err)
			}
			for _, e := range p.ends {
				st := e.c.Stats()
				timeouts[i] += st.Timeouts
				fast[i] += st.FastRetransmits
			}
			took[i] += time.Duration(p.now)
		}
	}
	t.Logf("SACK: %d timeouts, %d fast recoveries, %v; NewReno: %d timeouts, %d fast recoveries, %v",
		timeouts[0], fast[0], took[0], timeouts[1], fast[1], took[1])
	if timeouts[0] >= timeouts[1] || fast[0] <= fast[1] {
		t.Errorf("SACK recovery should turn timeouts into fast recoveries")
	}
}

// TestScoreboard checks the scoreboard's merging, its bound and IsLost.
func TestScoreboard(t *testing.T) {
	var b scoreboard
	check := func(want ...seq.Value) {
		t.Helper()
		var got []seq.Value
		for i := range b.n {
			got = append(got, b.r[i].left, b.r[i].right)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("scoreboard %v, want %v", got, want)
		}
	}
	if !b.add(100, 200) || !b.add(300, 400) || b.add(120, 180) {
		t.Error("add: wrong novelty")
	}
	check(100, 200, 300, 400)
	b.add(200, 300) // touching both: one run
	check(100, 400)
	b.add(500, 600)
	b.add(450, 700)
	check(100, 400, 450, 700)
	b.ackTo(150)
	check(150, 400, 450, 700)
	b.ackTo(420)
	check(450, 700)
	if got := b.lostBelow(420, 100); got != 450 {
		t.Errorf("lostBelow = %d, want 450 (250 bytes > 2*100 SACKed above)", got)
	}
	if got := b.lostBelow(420, 200); got != 420 {
		t.Errorf("lostBelow = %d, want 420 (nothing lost)", got)
	}
	if s, e, ok := b.hole(420, 800); !ok || s != 420 || e != 450 {
		t.Errorf("hole = %d %d %v", s, e, ok)
	}
	if s, e, ok := b.hole(460, 800); !ok || s != 700 || e != 800 {
		t.Errorf("hole = %d %d %v", s, e, ok)
	}
	// The bound: the highest runs are forgotten first.
	b.reset()
	for i := range maxSACKRanges + 5 {
		b.add(seq.Value(1000+20*i), seq.Value(1010+20*i))
	}
	if b.n != maxSACKRanges || b.r[b.n-1].right != seq.Value(1010+20*(maxSACKRanges-1)) {
		t.Errorf("bound: %d runs, last %v", b.n, b.r[b.n-1])
	}
	b.add(1012, 1014) // a new low run pushes out the highest
	if b.n != maxSACKRanges || b.r[1].left != 1012 || b.r[b.n-1].right != seq.Value(1010+20*(maxSACKRanges-2)) {
		t.Errorf("bound after a low run: %d runs, %v %v", b.n, b.r[1], b.r[b.n-1])
	}
	// Three runs above a byte make it lost, whatever their size.
	b.reset()
	b.add(10, 11)
	b.add(20, 21)
	b.add(30, 31)
	if got := b.lostBelow(0, 1000); got != 10 {
		t.Errorf("lostBelow = %d, want 10 (three runs above)", got)
	}
}

func TestScriptCwndValidation(t *testing.T) {
	runScripts(t, []scriptCase{
		{name: "app-limited", script: passiveOpen + `
// One small write per round trip: cwnd does not grow past what is used.
+0.1  write 1000
+0    > P. 1:1001(1000) ack 1 win 32768 <TS val 200 ecr 200>
+0.1  < . 1:1(0) ack 1001 win 512 <TS val 300 ecr 200>
+0    write 1000
+0    > P. 1001:2001(1000) ack 1 win 32768 <TS val 300 ecr 300>
+0.1  < . 1:1(0) ack 2001 win 512 <TS val 400 ecr 300>
+0    write 1000
+0    > P. 2001:3001(1000) ack 1 win 32768 <TS val 400 ecr 400>
+0.1  < . 1:1(0) ack 3001 win 512 <TS val 500 ecr 400>
+0    cwnd 14480
`},
		{name: "cwnd-limited", script: passiveOpen + sendTen + `
// The initial window is full and data waits: each ACK grows cwnd.
+0.1  < . 1:1(0) ack 2897 win 512 <TS val 300 ecr 200>
+0    > . 14481:15929(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    > . 15929:17377(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    > . 17377:18825(1448) ack 1 win 32768 <TS val 300 ecr 300>
+0    > P. 18825:20001(1176) ack 1 win 32768 <TS val 300 ecr 300>
+0    cwnd 17376
`},
	})
}

// TestPipeCwndValidation checks that cwnd stays near what the peer's
// receive window lets the sender use (before RFC 7661 validation it
// grew without bound on a clean path).
func TestPipeCwndValidation(t *testing.T) {
	pc := pipeConfig{delay: 10 * time.Millisecond, seed: 1, bytes: 4 << 20, limit: time.Hour}
	p := newPipe(t, pc)
	if err := p.run(); err != nil {
		t.Fatal(err)
	}
	st := p.ends[0].c.Stats()
	t.Logf("cwnd %d, ssthresh %d after 4 MiB", st.Cwnd, st.Ssthresh)
	if limit := 2*DefaultBufSize + 4*st.MSS; st.Cwnd > limit {
		t.Errorf("cwnd %d with a %d-byte receive window, want at most %d", st.Cwnd, DefaultBufSize, limit)
	}
}
