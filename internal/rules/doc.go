// Package rules is Druid's retention-rule model: the rule JSON the
// coordinator's /druid/coordinator/v1/rules endpoints accept and return
// (Decode, Rule.MarshalJSON), its validation, and the matching semantics the
// segment duties apply (Rule.Applies, Match).
//
// Rule types, as in docs/operations/rule-configuration.md:
//
//	loadForever, loadByInterval, loadByPeriod          keep data on historicals
//	dropForever, dropByInterval, dropByPeriod,
//	dropBeforeByPeriod                                  mark data unused
//	broadcastForever, broadcastByInterval,
//	broadcastByPeriod                                   load data on every server
//
// A datasource's rules are evaluated in order, then the cluster default
// ("_default") rules; the first rule that applies to a segment decides. Rules
// with periods are relative to a reference time "now" (the coordinator's
// current time): with W = [now-period, now),
//
//   - loadByPeriod, broadcastByPeriod: with includeFuture (default true)
//     W.start < segment.end; without, W overlaps the segment;
//   - dropByPeriod: with includeFuture (default true) W.start <=
//     segment.start; without, W contains the segment;
//   - dropBeforeByPeriod: segment.end <= now-period;
//   - loadByInterval, broadcastByInterval: the rule interval overlaps the
//     segment; dropByInterval: the rule interval contains the segment.
//
// Values are immutable after Decode and safe to share between goroutines.
package rules
