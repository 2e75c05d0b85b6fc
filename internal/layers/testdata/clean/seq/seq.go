package seq

type Value uint32

func (v Value) Add(n uint32) Value { return v + Value(n) }
