package sim

type Time int64
