package har

import (
	"math"
	"time"
)

// epoch is the wall-clock time that virtual time 0 is written as. A
// fixed date (rather than the time the run happened) keeps a run's HAR
// the same from one run to the next; 2000-01-01 is a round date that no
// reader takes for a real capture's.
var epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// timeLayout is ISO 8601 with milliseconds, in UTC ("Z").
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Time writes the virtual time offset (the time since the run's start,
// such as a sim.Time's Duration) as a HAR date: the fixed epoch
// 2000-01-01T00:00:00Z plus offset, in ISO 8601 with milliseconds and
// "Z", such as "2000-01-01T00:00:01.234Z". The time is truncated to the
// millisecond, so later offsets never write earlier times.
func Time(offset time.Duration) string {
	return epoch.Add(offset).Format(timeLayout)
}

// Ms converts d to milliseconds rounded to the microsecond (three
// decimals), the unit of HAR's durations: Ms(1234567*time.Nanosecond)
// is 1.235. Rounded values print in few digits and add up predictably.
func Ms(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)/time.Microsecond) / 1000
}

// roundMicro rounds a number of milliseconds to three decimals.
func roundMicro(ms float64) float64 {
	return math.Round(ms*1000) / 1000
}
