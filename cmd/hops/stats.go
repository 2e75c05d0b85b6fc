package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// writeLinkStats prints the counters of every link direction that carried
// or dropped anything, like `tc -s qdisc` for the whole world.
func (s *session) writeLinkStats(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LINK\tDIRECTION\tSENT\tBYTES\tDELIVERED\tDROP:QUEUE\tLOSS\tDOWN\tMTU\tDUP\tREORDER\tCORRUPT\tQUEUE MAX (pkts/bytes)")
	for _, l := range s.w.Links {
		for side := 0; side < 2; side++ {
			st := l.Stats(side)
			if st.Enqueued == 0 && st.Dropped() == 0 {
				continue
			}
			from, to := l.End(side), l.End(1-side)
			fmt.Fprintf(tw, "%s\t%s → %s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d/%d\n",
				l.Name(), from.Node, to.Node, st.Sent, st.SentBytes, st.Delivered,
				st.DroppedQueue, st.DroppedLoss, st.DroppedDown, st.DroppedMTU,
				st.Duplicated, st.Reordered, st.Corrupted, st.QueueHighPkts, st.QueueHighBytes)
		}
	}
	tw.Flush()
}
