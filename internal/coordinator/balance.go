package coordinator

import (
	"maps"
	"slices"
)

// balance moves segments between the historicals of each tier until their
// weights (projected bytes plus one per segment) are as even as single
// moves can make them, at most maxSegmentsToMove moves in flight per tier
// (moves still pending from earlier runs count). Each step moves, from the
// heaviest server of the tier to the lightest, the loaded segment whose
// weight w is closest to half their difference d, and only when w < d, so
// every move strictly lowers the spread and balancing settles. The segment
// is loaded on the destination first and dropped from the source once
// loaded, so its replica count never dips. Segments the destination holds
// or has no room for are skipped, as are servers with a full load queue.
// It returns the number of moves queued.
func (cl *cluster) balance(dyn DynamicConfig) int {
	moved := 0
	for _, tier := range slices.Sorted(maps.Keys(cl.byTier)) {
		hs := cl.byTier[tier]
		if len(hs) < 2 {
			continue
		}
		inFlight := 0
		for _, h := range hs {
			inFlight += h.moving
		}
		for budget := dyn.MaxSegmentsToMove - inFlight; budget > 0; budget-- {
			src, dst := hs[0], hs[0]
			for _, h := range hs[1:] {
				if h.weight() > src.weight() {
					src = h
				}
				if h.weight() < dst.weight() {
					dst = h
				}
			}
			if dyn.MaxSegmentsInNodeLoadingQueue > 0 && dst.pending >= dyn.MaxSegmentsInNodeLoadingQueue {
				break
			}
			d := src.weight() - dst.weight()
			best, bestDist := int32(-1), int64(0)
			for _, x := range src.served {
				size := cl.segs[x].Size
				w := size + 1
				if w >= d || !src.has[x] || dst.has[x] || !dst.fits(size) {
					continue
				}
				if dist := abs(d - 2*w); best < 0 || dist < bestDist {
					best, bestDist = x, dist
				}
			}
			if best < 0 || !cl.load(dst, best, src) {
				break
			}
			moved++
		}
	}
	return moved
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
