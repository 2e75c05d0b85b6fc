package h2

// h2spec (github.com/summerwind/h2spec) judges ServerConn: a loopback
// listener serves each connection it accepts with an engine pumped as in
// judge_test.go, and every h2spec server test case (generic, http2 and
// hpack; the strict cases left out, as h2spec does by default) runs
// against it. The cases are walked and run here rather than through
// h2spec.Run, which prints to stdout and exits the process when a dial
// fails.

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/summerwind/h2spec/config"
	"github.com/summerwind/h2spec/generic"
	h2spechpack "github.com/summerwind/h2spec/hpack"
	h2spechttp2 "github.com/summerwind/h2spec/http2"
	"github.com/summerwind/h2spec/spec"
)

// h2specKnownFailures lists the h2spec cases ServerConn is known to fail,
// by h2spec's id (as given to its command line), each with the reason. A
// case failing outside this list fails the test, and so does a listed
// case that passes: remove it then.
var h2specKnownFailures = map[string]string{}

const (
	h2specCaseTimeout = 2 * time.Second  // h2spec's wait for each expected event
	h2specBudget      = 50 * time.Second // all the cases
	h2specWorkers     = 16               // cases run at once, each on its own connection
)

type h2specCase struct {
	id string
	tc *spec.TestCase
}

// h2specCases flattens groups in h2spec's order, naming each case as
// h2spec does: its group's id and its 1-based place in the group.
func h2specCases(groups ...*spec.TestGroup) []h2specCase {
	var out []h2specCase
	var walk func(g *spec.TestGroup)
	walk = func(g *spec.TestGroup) {
		if g.Strict {
			return
		}
		for i, tc := range g.Tests {
			out = append(out, h2specCase{fmt.Sprintf("%s/%d", g.ID(), i+1), tc})
		}
		for _, sub := range g.Groups {
			walk(sub)
		}
	}
	for _, g := range groups {
		walk(g)
	}
	return out
}

// h2specServe accepts on ln and pumps a ServerConn over each connection
// until ln closes; the returned func closes ln and waits (bounded) for
// the connections to end.
func h2specServe(t *testing.T, ln net.Listener) func() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); pump(c, NewServerConn(0, ServerConfig{}, judgeHandler)) }()
		}
	}()
	return func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		ended := make(chan struct{})
		go func() { wg.Wait(); close(ended) }()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Error("the served connections did not end within 10 s of closing")
		}
	}
}

// h2specRun runs one case on a fresh connection, bounded in wall time
// even if the case blocks outside h2spec's own timeouts.
func h2specRun(cfg config.Config, tc *spec.TestCase) error {
	c := cfg // each case gets its own copy: Config caches its section map
	conn, err := spec.Dial(&c)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	done := make(chan error, 1)
	go func() { done <- tc.Run(&c, conn) }()
	select {
	case err := <-done:
		return err
	case <-time.After(4*cfg.Timeout + time.Second):
		conn.Close()
		return errors.New("the case did not finish in time")
	}
}

func TestH2Spec(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("h2spec: cannot listen on loopback: %v", err)
	}
	stop := h2specServe(t, ln)
	defer stop()
	addr := ln.Addr().(*net.TCPAddr)
	cfg := config.Config{
		Host:         "127.0.0.1",
		Port:         addr.Port,
		Path:         "/",
		Timeout:      h2specCaseTimeout,
		MaxHeaderLen: 4000,
	}

	cases := h2specCases(generic.Spec(), h2spechttp2.Spec(), h2spechpack.Spec())
	if len(cases) == 0 {
		t.Fatal("h2spec has no test cases")
	}
	results := make([]error, len(cases))
	ran := make([]bool, len(cases))
	deadline := time.Now().Add(h2specBudget)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < h2specWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = h2specRun(cfg, cases[i].tc)
				ran[i] = true
			}
		}()
	}
	for i := range cases {
		if time.Now().After(deadline) {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()

	var passed, skipped, failed, known int
	var report []string
	seen := map[string]bool{}
	for i, c := range cases {
		seen[c.id] = true
		reason, listed := h2specKnownFailures[c.id]
		err := results[i]
		switch {
		case !ran[i]:
			failed++
			t.Errorf("%s %s: not run within the %v budget", c.id, c.tc.Desc, h2specBudget)
		case errors.Is(err, spec.ErrSkipped):
			skipped++
			if listed {
				t.Errorf("%s %s: listed as a known failure (%s) but skipped", c.id, c.tc.Desc, reason)
			}
		case err == nil:
			passed++
			if listed {
				t.Errorf("%s %s: listed as a known failure (%s) but passes: remove it from h2specKnownFailures", c.id, c.tc.Desc, reason)
			}
		case listed:
			known++
			report = append(report, fmt.Sprintf("%s (known: %s)", c.id, reason))
		default:
			failed++
			t.Errorf("%s %s: %s\n  -> %s", c.id, c.tc.Desc, strings.ReplaceAll(err.Error(), "\n", "; "), c.tc.Requirement)
		}
	}
	for id := range h2specKnownFailures {
		if !seen[id] {
			t.Errorf("%s is listed as a known failure but h2spec has no such case", id)
		}
	}
	sort.Strings(report)
	for _, r := range report {
		t.Log(r)
	}
	t.Logf("h2spec: %d cases: %d passed, %d known failures, %d other failures, %d skipped", len(cases), passed, known, failed, skipped)
}
