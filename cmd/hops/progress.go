package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressAfter is how long a run must have lasted, in wall-clock time,
// before its progress bar shows: short runs never flash one.
var progressAfter = time.Second

// progressAlways shows the progress bar whatever stderr is (tests).
var progressAlways = false

// progressState is the progress bar of a long run, on stderr: work done
// against work in all (requests sent of the count). It is drawn from the
// run loop's wall-clock tick, never from the simulation.
type progressState struct {
	w     io.Writer
	label string
	work  func() (done, total int64)
	began time.Time
	bar   *progressbar.ProgressBar
}

// newProgressState returns a progress bar for the run, or nil when none
// should show: only when stderr is a terminal, and only when the
// command's own output is not streaming lines to a terminal too (ping -q,
// or its output redirected), so that pipes, files and golden outputs
// never see one.
func newProgressState(g *globals, s *session, label string, quiet bool, work func() (int64, int64)) *progressState {
	if !progressAlways && !progressWanted(g.stderr, s.text, quiet) {
		return nil
	}
	return &progressState{w: g.stderr, label: label, work: work, began: time.Now()}
}

// progressWanted says whether a progress bar belongs on stderr, given
// where the command's text goes and whether it prints while it runs.
func progressWanted(stderr, text io.Writer, quiet bool) bool {
	return isTerminal(stderr) && (quiet || !isTerminal(text))
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// drawProgress updates the bar, creating it once the run has lasted
// progressAfter.
func (s *session) drawProgress(now time.Time) {
	p := s.progress
	if p == nil {
		return
	}
	done, total := p.work()
	if p.bar == nil {
		if now.Sub(p.began) < progressAfter {
			return
		}
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.label),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
		)
	}
	p.bar.Set64(done)
}

// clearProgress takes the bar off the screen (it is drawn again at the
// next tick).
func (s *session) clearProgress() {
	if s.progress != nil && s.progress.bar != nil {
		s.progress.bar.Clear()
	}
}
