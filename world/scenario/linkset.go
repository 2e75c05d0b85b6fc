package scenario

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// LinkSetForm is the syntax of a link setting given outside a file, as
// hops' --link-set flag takes it.
const LinkSetForm = "LINK:KEY=VALUE,... (e.g. home-uplink:loss=5%,rate=10Mbps)"

// LinkSetKeys are the keys of a link that SetLink changes: the plain ones
// of the link schema. The ends and the name are fixed, and burst-loss
// takes a mapping, which only a file can hold.
var LinkSetKeys = []string{"rate", "delay", "queue", "mtu", "loss", "duplicate", "reorder", "reorder-delay", "jitter", "corrupt", "cost"}

// SetLink changes the link settings spec names, "LINK:KEY=VALUE,...",
// in s, before a world is built from it. LINK may name a LAN, whose
// rate, delay, jitter, loss and mtu then change for every member. Keys and values are those of
// the file's links, read and checked by the same schema code (units,
// ranges, "did you mean" hints, reorder-delay only with reorder, a
// byte queue no smaller than the MTU), so "loss=1" is as ambiguous here
// as in a file. Later keys win over earlier ones and over the file; a
// key given twice in one spec is an error. On error s is unchanged and
// every problem is reported, joined by "; ".
func SetLink(s *Scenario, spec string) error {
	name, settings, ok := strings.Cut(spec, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.TrimSpace(settings) == "" {
		return fmt.Errorf("want %s", LinkSetForm)
	}
	i := -1
	var names []string
	for j := range s.Links {
		names = append(names, s.Links[j].Name)
		if s.Links[j].Name == name {
			i = j
		}
	}
	lanIdx := -1
	for j := range s.LANs {
		names = append(names, s.LANs[j].Name)
		if i < 0 && s.LANs[j].Name == name {
			lanIdx = j
		}
	}
	if i < 0 && lanIdx < 0 {
		if hint := suggest(name, names); hint != "" {
			return fmt.Errorf("unknown link %q (did you mean %q?)", name, hint)
		}
		return fmt.Errorf("unknown link %q (`hops world` lists the links)", name)
	}
	var l Link
	if i >= 0 {
		l = s.Links[i]
	} else {
		// A LAN: its settings apply to every member's cable.
		n := s.LANs[lanIdx]
		l = Link{RateBps: n.RateBps, Delay: n.Delay, Jitter: n.Jitter, Loss: n.Loss, MTU: n.MTU, QueuePackets: DefaultQueuePackets}
	}
	sp := specFor(reflect.TypeFor[Link]())
	rv := reflect.ValueOf(&l).Elem()
	d := &decoder{}
	seen := map[string]bool{}
	off := len(spec) - len(settings) // where settings start in spec
	for _, pair := range strings.Split(settings, ",") {
		at := off
		off += len(pair) + 1
		lead := len(pair) - len(strings.TrimLeft(pair, " "))
		key, val, hasEq := strings.Cut(strings.TrimSpace(pair), "=")
		key = strings.TrimSpace(key)
		keyPos := Pos{1, at + lead + 1}
		switch {
		case key == "" && !hasEq:
			d.errorf(keyPos, "empty setting (want %s)", LinkSetForm)
			continue
		case !hasEq:
			d.errorf(keyPos, "%s: want KEY=VALUE (e.g. loss=5%%)", quoteShort(key))
			continue
		}
		if !contains(sp.schema.known, key) {
			d.unknownField(keyPos, key, sp.schema)
			continue
		}
		if !contains(LinkSetKeys, key) {
			if key == "burst-loss" {
				d.errorf(keyPos, "burst-loss takes a mapping {p, r, loss-bad, loss-good}: set it in a scenario file")
			} else {
				d.errorf(keyPos, "a link's %q cannot be changed here (the keys are %s)", key, strings.Join(LinkSetKeys, ", "))
			}
			continue
		}
		if seen[key] {
			d.errorf(keyPos, "%q given twice", key)
			continue
		}
		seen[key] = true
		val = strings.TrimSpace(val)
		valPos := Pos{1, keyPos.Col + strings.Index(strings.TrimSpace(pair), "=") + 1}
		f := &field{key: key, keyPos: keyPos, val: value{
			node: ast.String(&token.Token{Type: token.StringType, Value: val, Origin: val,
				Position: &token.Position{Line: valPos.Line, Column: valPos.Col}}),
			pos: valPos,
		}}
		before := len(d.errs)
		if key == "queue" {
			l.QueuePackets, l.QueueBytes = 0, 0
			d.queue(f, &l)
		} else {
			for j := range sp.fields {
				if fs := &sp.fields[j]; fs.key == key {
					d.decodeField(f, sp, fs, rv.Field(fs.index))
				}
			}
		}
		// Without a position, a message names its key.
		for _, e := range d.errs[before:] {
			if !strings.HasPrefix(strings.TrimPrefix(e.Msg, `"`), key) {
				e.Msg = key + ": " + e.Msg
			}
		}
	}
	if len(d.errs) > 0 {
		return linkSetError(d.errs)
	}
	// The rules that tie keys together, as decode.go's link applies them.
	if seen["reorder-delay"] && l.Reorder == 0 {
		return fmt.Errorf("reorder-delay has no effect without reorder (the probability that a packet is held back)")
	}
	if l.Reorder > 0 && l.ReorderDelay == 0 {
		l.ReorderDelay = DefaultReorderDelay
	}
	if l.QueueBytes > 0 && l.QueueBytes < l.MTU {
		return fmt.Errorf("queue of %d bytes is smaller than the MTU (%d): full-size packets would always be dropped", l.QueueBytes, l.MTU)
	}
	if l.QueuePackets == 0 && l.QueueBytes == 0 {
		l.QueuePackets = DefaultQueuePackets
	}
	if lanIdx >= 0 {
		for key := range seen {
			if !contains(LANSetKeys, key) {
				return fmt.Errorf("LAN %s: %q cannot be changed on a LAN (the keys are %s)", name, key, strings.Join(LANSetKeys, ", "))
			}
		}
		n := &s.LANs[lanIdx]
		n.RateBps, n.Delay, n.Jitter, n.Loss, n.MTU = l.RateBps, l.Delay, l.Jitter, l.Loss, l.MTU
		return nil
	}
	s.Links[i] = l
	return nil
}

// LANSetKeys are the keys SetLink changes on a LAN (for every member's
// cable): those a LAN has.
var LANSetKeys = []string{"rate", "delay", "jitter", "loss", "mtu"}

// linkSetError joins the messages of errs; positions in a one-line flag
// value say little, so they are left out.
func linkSetError(errs ErrorList) error {
	errs = errs.finish()
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Msg
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}
