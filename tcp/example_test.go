package tcp_test

import (
	"fmt"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/tcp"
	"github.com/hopsnet/hops/wire"
)

// Example connects two Conns through memory: the three-way handshake
// with its initial sequence numbers acknowledged as ISN+1, one message,
// and the close. A real caller would encode each segment with
// Segment.Header and wire.TCPHeader.AppendTo and hand it to IP.
func Example() {
	var now sim.Time
	client := tcp.Dial(tcp.Config{ISS: 1000}, now)
	var out []tcp.Segment
	var server *tcp.Conn
	deliver := func(from, to *tcp.Conn, name string) {
		out = from.AppendOutput(out[:0], now)
		for i := range out {
			s := &out[i]
			fmt.Printf("%s %-3s seq=%d ack=%d len=%d\n", name, flags(s.Flags), s.Seq, s.Ack, len(s.Payload))
			if to == nil {
				server = tcp.Accept(tcp.Config{ISS: 5000}, now, s)
				continue
			}
			to.Handle(now, s)
		}
	}
	deliver(client, server, "client →")
	deliver(server, client, "server →")
	deliver(client, server, "client →")
	fmt.Println(client.State(), server.State())

	client.Write([]byte("hello"))
	deliver(client, server, "client →")
	buf := make([]byte, 16)
	n := server.Read(buf)
	fmt.Printf("server read %q\n", buf[:n])

	client.CloseWrite()
	deliver(client, server, "client →")
	deliver(server, client, "server →")
	fmt.Println(client.State(), server.State(), server.EOF())
	// Output:
	// client → S   seq=1000 ack=0 len=0
	// server → S.  seq=5000 ack=1001 len=0
	// client → .   seq=1001 ack=5001 len=0
	// ESTABLISHED ESTABLISHED
	// client → P.  seq=1001 ack=5001 len=5
	// server read "hello"
	// client → F.  seq=1006 ack=5001 len=0
	// server → .   seq=5001 ack=1007 len=0
	// FIN-WAIT-2 CLOSE-WAIT true
}

func flags(f wire.TCPFlags) string {
	s := ""
	for _, x := range []struct {
		f wire.TCPFlags
		c string
	}{{wire.SYN, "S"}, {wire.FIN, "F"}, {wire.RST, "R"}, {wire.PSH, "P"}, {wire.ACK, "."}} {
		if f&x.f != 0 {
			s += x.c
		}
	}
	return s
}
