package font

import "testing"

func TestMetrics(t *testing.T) {
	s := NewSet()
	f := s.Get(Key{})
	m := f.Metrics(16)
	if m.Ascent < 12 || m.Ascent > 17 || m.Descent < 2 || m.Descent > 6 {
		t.Fatalf("Go Regular 16px metrics %+v", m)
	}
	t.Logf("Go Regular 16px: %+v; 'Hello' %.3f px", m, f.Width("Hello", 16))
	if w := f.Width("ab", 16); w != f.Width("a", 16)+f.Width("b", 16) {
		t.Errorf("width not additive: %v", w)
	}
	mono := s.Get(Key{Mono: true})
	if mono.Width("i", 13) != mono.Width("W", 13) {
		t.Errorf("Go Mono is not monospaced")
	}
	if f.Face(16) == nil {
		t.Fatal("no face")
	}
}
