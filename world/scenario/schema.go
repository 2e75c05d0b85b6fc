package scenario

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// This file reads the world format's schema from the struct tags of the
// types in scenario.go. One tag per field says everything about a key:
//
//	Delay time.Duration `yaml:"delay" hops:"nonneg; alias=latency|lag; doc=Propagation delay, each way." json:"delay_ns"`
//
// The yaml tag names the key. The hops tag holds options separated by
// "; ", doc last:
//
//	required        the key must be present
//	unit=U          how the value is written: name, text, duration,
//	                bitrate, size, probability, int, bool; inferred from
//	                the Go type when left out (string: text,
//	                time.Duration: duration, bool: bool, a slice of
//	                structs: a list, a pointer to a struct: a mapping, an
//	                enum type or a string with values: one of its values)
//	default=V       the value when the key is absent, written as in a file
//	nonneg          a duration must not be negative
//	positive        the value must be greater than 0
//	min=N, max=N    the range of an integer
//	hint=T          added to range and "greater than 0" messages
//	missing=T       added to the "missing required field" message
//	subject=T       the value's name in messages (default: the key)
//	alias=a|b       wrong keys people write for this one ("did you mean")
//	values=a|b      the values a plain string may take (an enum without
//	                a type of its own; subject names it in messages)
//	custom          decoded by hand in decode.go (special syntax), by the
//	                hooks the caller of decodeStruct passes or, for
//	                structs decoded from their tags alone (list items,
//	                mappings), by structHooks; the schema still lists,
//	                documents and checks the key
//	value=T         the value's syntax in the reference, for custom keys
//	doc=T           the description in the reference (hops world --schema)
//
// The json tag names the key in `hops world --json`.
//
// From these tags come: the keys each mapping accepts and the "did you
// mean" hints for the others (decode.go's object), the decoding and range
// checks of every non-custom key with file:line:col messages
// (decodeStruct), defaults, and the generated reference (Reference).

// fieldSpec is one key of a mapping, read from a struct field's tags.
type fieldSpec struct {
	key      string
	index    int
	typ      reflect.Type
	unit     string
	required bool
	custom   bool
	nonneg   bool
	positive bool
	hasMin   bool
	hasMax   bool
	min, max int64
	def      string
	hint     string
	missing  string
	subject  string
	aliases  []string
	values   []string // the values of a plain string enum (values=)
	value    string
	doc      string
	more     []int // indexes of the fields without a key of their own that this key also fills (QueueBytes for queue)
}

// structSpec is the schema of one kind of mapping.
type structSpec struct {
	typ    reflect.Type
	meta   structMeta
	fields []fieldSpec
	posIdx int // index of the Pos field that receives the mapping's position, or -1
	schema *schema
}

// structMeta is what a struct's tags cannot say: its name in messages and
// in the reference.
type structMeta struct {
	what    string // name in messages: "link"
	title   string // heading in the reference
	intro   string // paragraph under the heading in the reference
	example string // shown when the value is not a mapping
	open    bool   // keys other than the known ones are checked elsewhere
	extra   func(string) bool
}

// enum is implemented by string types whose values form a fixed list,
// such as Role.
type enum interface {
	enumValues() []string
	enumNoun() string // "role"
}

// metas lists the mappings of the format in the order of the reference.
var metas = []struct {
	typ  reflect.Type
	meta structMeta
}{
	{reflect.TypeFor[Scenario](), structMeta{
		what: "scenario", title: "Top level",
		intro:   "A scenario file is one YAML mapping. Top-level keys starting with `x-` are ignored, so they can hold YAML anchors (`x-wan: &wan {rate: 1Gbps}`) to merge into links with `<<: *wan`.",
		example: ` with "name", "nodes", "links" and "events"`,
		extra:   func(key string) bool { return strings.HasPrefix(key, "x-") },
	}},
	{reflect.TypeFor[Node](), structMeta{
		what: "node", title: "nodes[]", intro: "A host or router.",
		example: " (e.g. {name: r1, role: router})",
	}},
	{reflect.TypeFor[Service](), structMeta{
		what: "service", title: "nodes[].services[]",
		intro: "Software a node runs, started when the world is built. `kind` says what it is; `zones` " +
			"belong to dns, `sites` to web, `iface`, `pool` and `lease` to dhcp. Zones and sites are the ones hops ships (its own zone files and " +
			"web content); a name server for the root zone makes its node a root server for every resolver. " +
			"A dhcp service serves the link or LAN of one interface (at most one dhcp service per interface): " +
			"`{kind: dhcp, iface: lan0, pool: 192.168.1.100-192.168.1.199}`.",
		example: " (e.g. {kind: dns, zones: [example.com.]})",
	}},
	{reflect.TypeFor[NAT](), structMeta{
		what: "nat", title: "nodes[].nat",
		intro: "Network address and port translation (NAPT, RFC 4787 and 5382) on a router, as a home router does: " +
			"packets from the inside network out of the outside interface leave from the outside " +
			"interface's address, on a port the NAT picks, and replies are translated back. Port forwards " +
			"open ports of the public address to inside hosts. Timeouts left out keep the defaults (0 in JSON). " +
			"For example `{inside: lan0, outside: wan0, forwards: [\"tcp 8080 192.168.1.10:80\"]}`.",
		example: " (e.g. {inside: lan0, outside: wan0})",
	}},
	{reflect.TypeFor[ICMPRateLimit](), structMeta{
		what: "icmp-ratelimit", title: "nodes[].icmp-ratelimit",
		intro: "Limits on the ICMP errors a node sends, as Linux sets them with sysctls: a token bucket per " +
			"destination, then one for all destinations. Fragmentation needed is never limited, and neither " +
			"are echo replies. Keys left out keep Linux's values.",
		example: " (e.g. {per-destination: 1s, burst: 6})",
	}},
	{reflect.TypeFor[Link](), structMeta{
		what: "link", title: "links[]",
		intro: "A full-duplex point-to-point link with its own subnet. Each direction has its own queue " +
			"and draws its own impairments.",
		example: ` (e.g. {a: "r1 10.0.0.1/30", b: "r2 10.0.0.2/30", rate: 100Mbps, delay: 5ms})`,
	}},
	{reflect.TypeFor[Endpoint](), structMeta{
		what: "endpoint", title: "links[].a, links[].b, lans[].members[]",
		intro: "One end of a link, or a member of a LAN: either the string `\"NODE[:IFACE] ADDR/LEN\"` (`\"r1:eth0 10.0.0.1/30\"`), " +
			"the string `\"NODE[:IFACE] dhcp\"` (`\"laptop:wlan0 dhcp\"`: the interface takes its address from " +
			"DHCP, served by a dhcp service of another node on the same link or LAN), or a mapping with these keys.",
		example: ` (e.g. {node: r1, iface: eth0, addr: 10.0.0.1/30})`,
	}},
	{reflect.TypeFor[GilbertElliott](), structMeta{
		what: "burst-loss", title: "links[].burst-loss",
		intro:   "Bursty loss, Gilbert–Elliott model: a good and a bad state, each with its own loss probability.",
		example: " (e.g. {p: 1%, r: 25%})",
	}},
	{reflect.TypeFor[LAN](), structMeta{
		what: "LAN", title: "lans[]",
		intro: "A shared Ethernet segment: a switch (or a Wi-Fi access point) with its own cable (or radio " +
			"link) to each member interface, which frames packets in Ethernet II and resolves addresses with ARP. " +
			"The members' static addresses share one subnet; members may instead take their address from DHCP. " +
			"Rate, delay, jitter, loss and MTU apply to each member's cable, so a packet from one member to " +
			"another crosses two. A LAN's name is unique among links and LANs.",
		example: ` (e.g. {name: home, members: ["r1:lan0 192.168.1.1/24", "laptop dhcp"]})`,
	}},
	{reflect.TypeFor[OSPFTimers](), structMeta{
		what: "ospf", title: "ospf",
		intro: "OSPF's timers, for every router of a world routed by OSPF (or by BGP, inside each AS). " +
			"Shorter ones make a demo converge sooner: `ospf: {hello: 1s, dead: 4s}`.",
		example: " (e.g. {hello: 10s, dead: 40s})",
	}},
	{reflect.TypeFor[BGPTimers](), structMeta{
		what: "bgp", title: "bgp",
		intro:   "BGP's timers, for every router of a world routed by BGP: `bgp: {hold: 9s, min-advertisement-interval: 0s}`.",
		example: " (e.g. {hold: 90s, connect-retry: 5s})",
	}},
	{reflect.TypeFor[ASRelationship](), structMeta{
		what: "AS relationship", title: "as-relationships[]",
		intro: "A business relationship between two autonomous systems: `{provider: 64501, customer: 64496}` " +
			"(the customer pays the provider for transit to the whole internet) or `{peer: 64501, peer-with: 64502}` " +
			"(settlement-free peering: each carries the other's own and customers' traffic only).",
		example: " (e.g. {provider: 64501, customer: 64496})",
	}},
	{reflect.TypeFor[Event](), structMeta{
		what: "event", title: "events[]",
		intro:   "A change of the world at a virtual time. Exactly one of `down` and `up`.",
		example: " (e.g. {at: 2s, down: core})",
	}},
}

// specs holds the schema of every mapping, built once from the tags.
var specs = buildSpecs()

func buildSpecs() map[reflect.Type]*structSpec {
	m := make(map[reflect.Type]*structSpec, len(metas))
	for _, x := range metas {
		m[x.typ] = buildSpec(x.typ, x.meta)
	}
	return m
}

// specFor returns the schema of the struct type t.
func specFor(t reflect.Type) *structSpec {
	sp := specs[t]
	if sp == nil {
		panic("scenario: no schema for " + t.String())
	}
	return sp
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	posType      = reflect.TypeFor[Pos]()
	enumType     = reflect.TypeFor[enum]()
)

// buildSpec reads the tags of struct type t. A malformed tag is a
// programming error: it panics when the package loads, and every test
// fails.
func buildSpec(t reflect.Type, meta structMeta) *structSpec {
	sp := &structSpec{typ: t, meta: meta, posIdx: -1}
	sc := &schema{what: meta.what, example: meta.example, extra: meta.extra}
	if meta.open {
		sc.extra = func(string) bool { return true }
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key := sf.Tag.Get("yaml")
		if sf.Type == posType && key == "" {
			sp.posIdx = i
			continue
		}
		if key == "" || key == "-" {
			// A field without a key of its own is filled from the key
			// before it (queue fills QueuePackets and QueueBytes).
			if n := len(sp.fields); n > 0 && sf.IsExported() {
				sp.fields[n-1].more = append(sp.fields[n-1].more, i)
			}
			continue
		}
		fs := parseFieldTag(t, sf, key)
		fs.index = i
		sp.fields = append(sp.fields, fs)
		sc.known = append(sc.known, key)
		for _, a := range fs.aliases {
			if sc.synonyms == nil {
				sc.synonyms = make(map[string]string)
			}
			sc.synonyms[a] = key
		}
	}
	sp.schema = sc
	return sp
}

func parseFieldTag(t reflect.Type, sf reflect.StructField, key string) fieldSpec {
	fs := fieldSpec{key: key, typ: sf.Type, subject: key}
	bad := func(format string, args ...any) {
		panic(fmt.Sprintf("scenario: %s.%s: %s", t.Name(), sf.Name, fmt.Sprintf(format, args...)))
	}
	tag := sf.Tag.Get("hops")
	if before, doc, ok := strings.Cut(tag, "doc="); ok {
		tag, fs.doc = before, strings.TrimSpace(doc)
	}
	for _, opt := range strings.Split(tag, ";") {
		opt = strings.TrimSpace(opt)
		name, val, _ := strings.Cut(opt, "=")
		switch name {
		case "":
		case "required":
			fs.required = true
		case "custom":
			fs.custom = true
		case "nonneg":
			fs.nonneg = true
		case "positive":
			fs.positive = true
		case "unit":
			fs.unit = val
		case "default":
			fs.def = val
		case "hint":
			fs.hint = val
		case "missing":
			fs.missing = val
		case "subject":
			fs.subject = val
		case "value":
			fs.value = val
		case "alias":
			fs.aliases = strings.Split(val, "|")
		case "values":
			fs.values = strings.Split(val, "|")
		case "min", "max":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				bad("bad %s %q", name, val)
			}
			if name == "min" {
				fs.min, fs.hasMin = n, true
			} else {
				fs.max, fs.hasMax = n, true
			}
		default:
			bad("unknown option %q in hops tag", name)
		}
	}
	if len(fs.values) > 0 && (sf.Type.Kind() != reflect.String || sf.Type.Implements(enumType)) {
		bad("values= needs a plain string field")
	}
	if fs.unit == "" && len(fs.values) > 0 {
		fs.unit = "enum"
	}
	if fs.unit == "" && !fs.custom {
		fs.unit = inferUnit(sf.Type)
		if fs.unit == "" {
			bad("no unit for type %s", sf.Type)
		}
	}
	if fs.doc == "" {
		bad("no doc")
	}
	return fs
}

// inferUnit gives the value syntax of a Go type when the tag names none.
func inferUnit(t reflect.Type) string {
	switch {
	case t.Implements(enumType):
		return "enum"
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Bool:
		return "bool"
	case t.Kind() == reflect.String:
		return "text"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		return "list"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return "names"
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		return "mapping"
	case t.Kind() == reflect.Int:
		return "int"
	}
	return ""
}

// decodeStruct reads the mapping v into the struct *ptr by its schema:
// unknown keys are reported with hints, defaults applied, every
// non-custom key decoded and checked, missing required keys reported.
// Custom keys are handed to hooks[key] in field order. It returns the
// object read, for positions, or nil (after reporting) when v is not a
// mapping.
func (d *decoder) decodeStruct(v value, ptr any, hooks map[string]func(*field)) *object {
	rv := reflect.ValueOf(ptr).Elem()
	sp := specFor(rv.Type())
	o := d.object(v, sp.schema)
	if o == nil {
		return nil
	}
	if sp.posIdx >= 0 {
		rv.Field(sp.posIdx).Set(reflect.ValueOf(o.pos))
		d.remember(rv.Type(), o)
	}
	if hooks == nil {
		hooks = d.structHooks(ptr)
	}
	for i := range sp.fields {
		fs := &sp.fields[i]
		if fs.def != "" && !fs.custom {
			setDefault(fs, rv.Field(fs.index))
		}
	}
	for i := range sp.fields {
		fs := &sp.fields[i]
		f := o.get(fs.key)
		switch {
		case f == nil:
			if fs.required && o.missing(fs.key) {
				d.missingField(o, sp, fs, rv)
			}
		case fs.custom:
			if h := hooks[fs.key]; h != nil {
				h(f)
			}
		default:
			if !d.decodeField(f, sp, fs, rv.Field(fs.index)) {
				if o.failed == nil {
					o.failed = make(map[string]bool)
				}
				o.failed[fs.key] = true
			}
		}
	}
	return o
}

// missingField reports that the required key fs is absent.
func (d *decoder) missingField(o *object, sp *structSpec, fs *fieldSpec, rv reflect.Value) {
	what := sp.meta.what
	for _, x := range sp.fields {
		if x.key == "name" && x.unit == "name" {
			if name := rv.Field(x.index).String(); name != "" {
				what = fmt.Sprintf("%s %q", what, name)
			}
		}
	}
	extra := ""
	switch {
	case fs.missing != "":
		extra = " (" + fs.missing + ")"
	case fs.unit == "enum" && len(fs.enumValues()) > 0:
		extra = " (one of: " + strings.Join(fs.enumValues(), ", ") + ")"
	}
	d.errorf(o.pos, "%s is missing required field %q%s", what, fs.key, extra)
}

// enumValues returns the values of an enum key: those of its type, or
// of its values= option.
func (fs *fieldSpec) enumValues() []string {
	if len(fs.values) > 0 {
		return fs.values
	}
	return reflect.Zero(fs.typ).Interface().(enum).enumValues()
}

// enumNoun names an enum key's values in messages ("role").
func (fs *fieldSpec) enumNoun() string {
	if len(fs.values) > 0 {
		return fs.subject
	}
	return reflect.Zero(fs.typ).Interface().(enum).enumNoun()
}

// setDefault stores the default of fs, written as in a file, in dst.
func setDefault(fs *fieldSpec, dst reflect.Value) {
	ok := false
	switch fs.unit {
	case "probability":
		p, err := ParseProbability(fs.def)
		ok = err == nil
		dst.SetFloat(p)
	case "int":
		n, err := strconv.ParseInt(fs.def, 10, 64)
		ok = err == nil
		dst.SetInt(n)
	case "duration":
		v, err := ParseDuration(fs.def)
		ok = err == nil
		dst.SetInt(int64(v))
	case "bitrate":
		v, err := ParseRate(fs.def)
		ok = err == nil
		dst.SetInt(v)
	case "text", "enum", "name":
		dst.SetString(fs.def)
		ok = true
	}
	if !ok {
		panic(fmt.Sprintf("scenario: bad default %q for %q", fs.def, fs.key))
	}
}

// decodeField reads one key by its unit into dst. It reports false after
// reporting a problem.
func (d *decoder) decodeField(f *field, sp *structSpec, fs *fieldSpec, dst reflect.Value) bool {
	switch fs.unit {
	case "names":
		// A list of names, or one name on its own.
		items := []value{f.val}
		if _, seq := f.val.node.(*ast.SequenceNode); seq {
			items = d.list(f.val, strconv.Quote(fs.key))
		}
		for _, item := range items {
			s, ok := d.text(&field{key: fs.key, keyPos: f.keyPos, val: item})
			if !ok {
				return false
			}
			dst.Set(reflect.Append(dst, reflect.ValueOf(s)))
		}
		return true
	case "list":
		for _, item := range d.list(f.val, strconv.Quote(fs.key)) {
			elem := reflect.New(fs.typ.Elem())
			if d.decodeStruct(item, elem.Interface(), nil) != nil {
				dst.Set(reflect.Append(dst, elem.Elem()))
			}
		}
		if dst.IsNil() && (f.val.isNull() || isEmptyList(f.val)) {
			dst.Set(reflect.MakeSlice(fs.typ, 0, 0))
		}
		return true
	case "mapping":
		elem := reflect.New(fs.typ.Elem())
		if d.decodeStruct(f.val, elem.Interface(), nil) == nil {
			return false
		}
		dst.Set(elem)
		return true
	case "probability":
		p, ok := d.probability(f)
		if ok {
			dst.SetFloat(p)
		}
		return ok
	case "int":
		return d.decodeInt(f, fs, dst)
	case "bool":
		b, ok := d.boolean(f)
		if ok {
			dst.SetBool(b)
		}
		return ok
	}
	s, ok := d.text(f)
	if !ok {
		return false
	}
	switch fs.unit {
	case "text":
		dst.SetString(s)
	case "name":
		if !d.checkName(f.val.pos, sp.meta.what, s) {
			return false
		}
		dst.SetString(s)
	case "enum":
		return d.decodeEnum(f, fs, s, dst)
	case "duration":
		v, err := ParseDuration(s)
		if err != nil {
			d.errorf(f.val.pos, "%v", err)
			return false
		}
		if !d.checkSign(f, fs, int64(v), s) {
			return false
		}
		dst.SetInt(int64(v))
	case "bitrate":
		v, err := ParseRate(s)
		if err != nil {
			d.errorf(f.val.pos, "%v", err)
			return false
		}
		if !d.checkSign(f, fs, v, s) {
			return false
		}
		dst.SetInt(v)
	default:
		panic("scenario: unknown unit " + fs.unit)
	}
	return true
}

// checkSign applies the nonneg and positive options.
func (d *decoder) checkSign(f *field, fs *fieldSpec, v int64, text string) bool {
	switch {
	case fs.nonneg && v < 0:
		d.errorf(f.val.pos, "%s must not be negative, got %q", fs.subject, text)
		return false
	case fs.positive && v <= 0 && fs.hint != "":
		d.errorf(f.val.pos, "%s must be greater than 0 (%s)", fs.subject, fs.hint)
		return false
	case fs.positive && v <= 0:
		d.errorf(f.val.pos, "%s must be greater than 0, got %q", fs.subject, text)
		return false
	}
	return true
}

// decodeInt reads an integer within the field's range.
func (d *decoder) decodeInt(f *field, fs *fieldSpec, dst reflect.Value) bool {
	n, text, ok := d.integer(f)
	if !ok {
		return false
	}
	if fs.hasMin && n < fs.min || fs.hasMax && n > fs.max {
		hint := ""
		if fs.hint != "" {
			hint = "; " + fs.hint
		}
		d.errorf(f.val.pos, "%s %s out of range (must be %d..%d%s)", fs.subject, text, fs.min, fs.max, hint)
		return false
	}
	dst.SetInt(n)
	return true
}

// decodeEnum reads one of an enum key's values.
func (d *decoder) decodeEnum(f *field, fs *fieldSpec, s string, dst reflect.Value) bool {
	values, noun := fs.enumValues(), fs.enumNoun()
	for _, x := range values {
		if s == x {
			dst.SetString(s)
			return true
		}
	}
	switch hint := suggest(s, values); {
	case len(values) == 0:
		d.errorf(f.val.pos, "unknown %s %s: hops has no %ss yet (see hops world --schema)", noun, quoteShort(s), noun)
	case hint != "":
		d.errorf(f.val.pos, "unknown %s %s (did you mean %q?)", noun, quoteShort(s), hint)
	default:
		d.errorf(f.val.pos, "unknown %s %s (valid %ss: %s)", noun, quoteShort(s), noun, strings.Join(values, ", "))
	}
	return false
}

// WithoutPositions returns a copy of s with every source position cleared,
// so that its JSON holds none. s is not changed.
func WithoutPositions(s *Scenario) *Scenario {
	c := reflect.New(reflect.TypeOf(*s)).Elem()
	copyClearingPos(c, reflect.ValueOf(*s))
	out := c.Interface().(Scenario)
	return &out
}

// copyClearingPos deep-copies src into dst (slices and pointers are new),
// leaving every Pos zero.
func copyClearingPos(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Struct:
		if src.Type() == posType {
			dst.Set(reflect.Zero(posType))
			return
		}
		dst.Set(src)
		for i := 0; i < src.NumField(); i++ {
			if dst.Field(i).CanSet() {
				copyClearingPos(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyClearingPos(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyClearingPos(p.Elem(), src.Elem())
		dst.Set(p)
	default:
		dst.Set(src)
	}
}
