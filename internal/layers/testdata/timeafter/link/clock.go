package link

import "time"

var now = time.Now

func all() {
	start := time.Now()
	_ = time.Since(start)
	_ = time.Until(start)
	time.Sleep(time.Second)
	time.AfterFunc(time.Second, func() {})
	_ = time.NewTimer(time.Second)
	_ = time.NewTicker(time.Second)
	_ = time.Tick(time.Second)
	_ = time.Unix(0, 0).Add(time.Hour)
	_ = start.After(start)
}
