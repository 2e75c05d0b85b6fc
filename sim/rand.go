package sim

import "math/rand/v2"

// Rand is one named random stream. Its numbers depend only on the kernel's
// seed and the stream's name, so adding a new stream never shifts the
// numbers another stream draws.
type Rand struct {
	*rand.Rand
	name string
}

// Name returns the stream's name.
func (r *Rand) Name() string { return r.name }

// Chance reports true with probability p (p <= 0 never, p >= 1 always,
// without drawing a number in either case).
func (r *Rand) Chance(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return r.Float64() < p
}

// Rand returns the random stream called name, for one consumer (a link,
// a node, an app instance, a transport) to keep. A name is handed out
// once per kernel: asking again would give a second consumer the same
// numbers, silently coupling the two, so it violates the invariant
// "rand-stream-twice".
func (k *Kernel) Rand(name string) *Rand {
	if k.streams[name] {
		Violated("rand-stream-twice", "random stream %q requested twice; give each consumer its own name", name)
	}
	if k.streams == nil {
		k.streams = map[string]bool{}
	}
	k.streams[name] = true
	return NewRand(k.seed, name)
}

// NewRand returns the stream called name for seed; the same pair always
// yields the same numbers.
func NewRand(seed uint64, name string) *Rand {
	h := fnv64(name)
	src := rand.NewPCG(splitmix(seed^h), splitmix(h+0x9e3779b97f4a7c15))
	return &Rand{Rand: rand.New(src), name: name}
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
