package expr

import "testing"

func TestTimeFunctions(t *testing.T) {
	runEvalCases(t, []evalCase{
		// __time = 2020-01-02T03:04:05.678Z, t = 2020-03-01T00:00:00Z
		{"timestamp('2020-01-02T03:04:05.678Z')", "1577934245678", "LONG"},
		{"timestamp('2020-01-02')", "1577923200000", "LONG"},
		{"timestamp('2020-01-02 03:04:05')", "1577934245000", "LONG"},
		{"timestamp('02/01/2020', 'dd/MM/yyyy')", "1577923200000", "LONG"},
		{"timestamp('garbage')", "error", ""},
		{"timestamp(123)", "error", ""},
		{"timestamp(ns)", "null", "LONG"},
		{"unix_timestamp('2020-01-02T03:04:05.678Z')", "1577934245", "LONG"},
		{"unix_timestamp('1969-12-31T23:59:59.500Z')", "0", "LONG"},
		{"timestamp_floor(__time, 'PT1H')", "1577934000000", "LONG"},
		{"timestamp_floor(__time, 'P1D')", "1577923200000", "LONG"},
		{"timestamp_floor(__time, 'P1M')", "1577836800000", "LONG"},
		{"timestamp_floor(__time, 'P3M')", "1577836800000", "LONG"},
		{"timestamp_floor(__time, 'P1Y')", "1577836800000", "LONG"},
		{"timestamp_floor(__time, 'P1W')", "1577664000000", "LONG"},                              // Monday 2019-12-30
		{"timestamp_floor(__time, 'PT15M')", "1577934000000", "LONG"},                            // 03:00
		{"timestamp_floor(__time, 'P1D', null, 'America/Los_Angeles')", "1577865600000", "LONG"}, // 2020-01-01T00:00-08:00
		{"timestamp_floor(__time, 'P1D', null, '+05:30')", "1577903400000", "LONG"},              // 2020-01-02T00:00+05:30
		{"timestamp_floor(__time, 'PT1H', '2020-01-01T00:30:00Z')", "1577932200000", "LONG"},     // 02:30
		{"timestamp_floor(__time, 'PT1H', 1800000)", "1577932200000", "LONG"},
		{"timestamp_floor(__time, 'PT1M', '', 'UTC')", "1577934240000", "LONG"},
		{"timestamp_floor(__time, 'P1D', '2000-01-01T06:00', 'America/Los_Angeles')", "1577887200000", "LONG"}, // 06:00 local = 14:00Z on 2020-01-01
		{"timestamp_floor(nl, 'PT1H')", "null", "LONG"},
		{"timestamp_floor(-1, 'P1D')", "-86400000", "LONG"},
		// DST: 2020-03-08 02:00 does not exist in Los Angeles; the day is 23 hours.
		{"timestamp_floor(timestamp('2020-03-08T12:00:00Z'), 'P1D', null, 'America/Los_Angeles')", "1583654400000", "LONG"},  // 2020-03-08T00:00-08:00
		{"timestamp_floor(timestamp('2020-11-01T09:30:00Z'), 'PT1H', null, 'America/Los_Angeles')", "1604221200000", "LONG"}, // 01:00-08:00, second 1am
		{"timestamp_ceil(__time, 'PT1H')", "1577937600000", "LONG"},
		{"timestamp_ceil(timestamp('2020-01-02T03:00:00Z'), 'PT1H')", "1577934000000", "LONG"},
		{"timestamp_ceil(__time, 'P1D')", "1578009600000", "LONG"},
		{"timestamp_shift(__time, 'P1D', 1)", "1578020645678", "LONG"},
		{"timestamp_shift(__time, 'PT1H', -2)", "1577927045678", "LONG"},
		{"timestamp_shift(timestamp('2020-01-31'), 'P1M', 1)", "1582934400000", "LONG"},                                  // 2020-02-29: leap day clamp
		{"timestamp_shift(timestamp('2020-02-29'), 'P1Y', 1)", "1614470400000", "LONG"},                                  // 2021-02-28
		{"timestamp_shift(timestamp('2020-03-07T12:00:00Z'), 'P1D', 1, 'America/Los_Angeles')", "1583665200000", "LONG"}, // 23 hours later
		{"timestamp_shift(nl, 'P1D', 1)", "null", "LONG"},
		// Fields apply one by one, as Joda: 2020-02-29 + 1Y = 2021-02-28, + 1M = 2021-03-28.
		{"timestamp_format(timestamp_shift(timestamp('2020-02-29'), 'P1Y1M', 1))", "'2021-03-28T00:00:00.000Z'", "STRING"},
		{"timestamp_format(timestamp_shift(timestamp('2020-03-31'), 'P1M', -1))", "'2020-02-29T00:00:00.000Z'", "STRING"},
		// DST gap: 02:30 on 2020-03-08 does not exist in Los Angeles; Joda moves forward to 03:30 PDT.
		{"timestamp_format(timestamp_shift(timestamp('2020-03-07T10:30:00Z'), 'P1D', 1, 'America/Los_Angeles'), null, 'America/Los_Angeles')", "'2020-03-08T03:30:00.000-07:00'", "STRING"},
		// DST overlap: 01:30 on 2020-11-01 happens twice; the original's offset is kept.
		{"timestamp_format(timestamp_shift(timestamp('2020-10-31T08:30:00Z'), 'P1D', 1, 'America/Los_Angeles'), null, 'America/Los_Angeles')", "'2020-11-01T01:30:00.000-07:00'", "STRING"},
		{"timestamp_format(timestamp_shift(timestamp('2020-11-02T09:30:00Z'), 'P1D', -1, 'America/Los_Angeles'), null, 'America/Los_Angeles')", "'2020-11-01T01:30:00.000-08:00'", "STRING"},
		// Hours are elapsed time across the change.
		{"timestamp_format(timestamp_shift(timestamp('2020-03-08T09:30:00Z'), 'PT1H', 1, 'America/Los_Angeles'), null, 'America/Los_Angeles')", "'2020-03-08T03:30:00.000-07:00'", "STRING"},
		// Eastern hemisphere gap (Europe/Berlin springs forward at 02:00 on 2020-03-29).
		{"timestamp_format(timestamp_shift(timestamp('2020-03-28T01:30:00Z'), 'P1D', 1, 'Europe/Berlin'), null, 'Europe/Berlin')", "'2020-03-29T03:30:00.000+02:00'", "STRING"},
		{"timestamp_shift(__time, 'P1D', nl)", "null", "LONG"},
		{"timestamp_extract(__time, 'EPOCH')", "1577934245", "LONG"},
		{"timestamp_extract(__time, 'MILLISECOND')", "678", "LONG"},
		{"timestamp_extract(__time, 'SECOND')", "5", "LONG"},
		{"timestamp_extract(__time, 'MINUTE')", "4", "LONG"},
		{"timestamp_extract(__time, 'HOUR')", "3", "LONG"},
		{"timestamp_extract(__time, 'HOUR', 'America/Los_Angeles')", "19", "LONG"},
		{"timestamp_extract(__time, 'DAY')", "2", "LONG"},
		{"timestamp_extract(__time, 'DAY', 'America/Los_Angeles')", "1", "LONG"},
		{"timestamp_extract(__time, 'DOW')", "4", "LONG"}, // Thursday
		{"timestamp_extract(__time, 'DOY')", "2", "LONG"},
		{"timestamp_extract(__time, 'WEEK')", "1", "LONG"},
		{"timestamp_extract(timestamp('2021-01-01'), 'WEEK')", "53", "LONG"},
		{"timestamp_extract(timestamp('2021-01-01'), 'ISOYEAR')", "2020", "LONG"},
		{"timestamp_extract(__time, 'MONTH')", "1", "LONG"},
		{"timestamp_extract(__time, 'QUARTER')", "1", "LONG"},
		{"timestamp_extract(t, 'QUARTER')", "1", "LONG"},
		{"timestamp_extract(__time, 'YEAR')", "2020", "LONG"},
		{"timestamp_extract(__time, 'DECADE')", "202", "LONG"},
		{"timestamp_extract(__time, 'CENTURY')", "21.0", "DOUBLE"},
		{"timestamp_extract(timestamp('2000-06-01'), 'CENTURY')", "20.0", "DOUBLE"},
		{"timestamp_extract(__time, 'MILLENNIUM')", "3.0", "DOUBLE"},
		{"timestamp_extract(__time, 'MICROSECOND')", "1577934", "LONG"},
		{"timestamp_extract('2020-05-06T07:08:09Z', 'MONTH')", "5", "LONG"},
		{"timestamp_extract('2020-05-06', 'DAY', 'America/Los_Angeles')", "6", "LONG"},
		{"timestamp_extract('garbage', 'DAY')", "error", ""},
		{"timestamp_extract(-1500, 'EPOCH')", "-1", "LONG"},
		{"timestamp_extract(timestamp('2020-02-29'), 'DOY')", "60", "LONG"},
		{"timestamp_extract(__time, 'year')", "2020", "LONG"},
		{"timestamp_extract(nl, 'YEAR')", "null", "LONG"},
		{"timestamp_parse('2020-01-02T03:04:05.678Z')", "1577934245678", "LONG"},
		{"timestamp_parse('2020-01-02 03:04:05')", "1577934245000", "LONG"},
		{"timestamp_parse('2020-01-02', null, 'America/Los_Angeles')", "1577952000000", "LONG"},
		{"timestamp_parse('2020-01-02T00:00:00Z', null, 'America/Los_Angeles')", "1577923200000", "LONG"},
		{"timestamp_parse('not a time')", "null", "LONG"},
		// DST gap: the local time does not exist (Joda's IllegalInstantException), so null.
		{"timestamp_parse('2020-03-08 02:30:00', null, 'America/Los_Angeles')", "null", "LONG"},
		{"timestamp_parse('2020-03-29 02:30:00', null, 'Europe/Berlin')", "null", "LONG"},
		{"timestamp_parse('2020-03-08 02:30', 'yyyy-MM-dd HH:mm', 'America/Los_Angeles')", "null", "LONG"},
		// DST overlap: the earlier instant (summer time) wins.
		{"timestamp_format(timestamp_parse('2020-11-01 01:30:00', null, 'America/Los_Angeles'))", "'2020-11-01T08:30:00.000Z'", "STRING"},
		{"timestamp_format(timestamp_parse('2020-10-25 02:30:00', null, 'Europe/Berlin'))", "'2020-10-25T00:30:00.000Z'", "STRING"},
		{"timestamp_format(timestamp_parse('2020-10-25 02:30', 'yyyy-MM-dd HH:mm', 'Europe/Berlin'))", "'2020-10-25T00:30:00.000Z'", "STRING"},
		{"timestamp_parse('2020-03-08T02:30:00-08:00', null, 'America/Los_Angeles')", "1583663400000", "LONG"},
		{"timestamp_parse('02/01/2020 10', 'dd/MM/yyyy HH')", "1577959200000", "LONG"},
		{"timestamp_parse('02/01/2020 10', 'dd/MM/yyyy HH', '+01:00')", "1577955600000", "LONG"},
		{"timestamp_parse('02/01/2020', 'yyyy-MM-dd')", "null", "LONG"},
		{"timestamp_parse(ns)", "null", "LONG"},
		{"timestamp_format(__time)", "'2020-01-02T03:04:05.678Z'", "STRING"},
		{"timestamp_format(__time, 'yyyy-MM-dd')", "'2020-01-02'", "STRING"},
		{"timestamp_format(__time, 'yyyy-MM-dd HH:mm', 'America/Los_Angeles')", "'2020-01-01 19:04'", "STRING"},
		{"timestamp_format(__time, null, '+05:30')", "'2020-01-02T08:34:05.678+05:30'", "STRING"},
		{"timestamp_format(__time, 'EEEE, MMMM d, yyyy')", "'Thursday, January 2, 2020'", "STRING"},
		{"timestamp_format(nl)", "null", "STRING"},
	})
}

// TestTimestampFloorVectorZone compares the vector kernel's bucket cache
// with the row path across DST changes, in and out of order.
func TestTimestampFloorVectorZone(t *testing.T) {
	for _, expr := range []string{
		"timestamp_floor(__time, 'P1D', null, 'America/Los_Angeles')",
		"timestamp_floor(__time, 'PT1H', null, 'America/Los_Angeles')",
		"timestamp_floor(__time, 'P1M', null, 'Europe/Berlin')",
		"timestamp_floor(__time, 'PT6H', '2020-01-01T03:00:00', 'Asia/Kolkata')",
		"timestamp_ceil(__time, 'P1D', null, 'America/Los_Angeles')",
		"timestamp_ceil(__time, 'PT1H')",
		"timestamp_ceil(__time, 'P1W')",
	} {
		c, err := Compile(expr, testTypes)
		if err != nil {
			t.Fatal(err)
		}
		var ts []int64
		start := int64(1583600000000) // 2020-03-07T16:53:20Z, before the LA spring-forward
		for i := int64(0); i < 300; i++ {
			ts = append(ts, start+i*1234567)
		}
		ts = append(ts, 1604215800000, 1604219400000, 1604223000000, start, 0, -1, 1583625600000, 1583654400000) // LA fall-back, out of order, exact boundaries
		out, err := c.NewVectorEvaluator().Eval(MapVectorBindings{"__time": {Type: TypeLong, Longs: ts}}, len(ts))
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range ts {
			want, err := c.EvalRow(MapBindings{"__time": v})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.At(i); got.L != want.L {
				t.Fatalf("%s at %d: vector %d, row %d", expr, v, got.L, want.L)
			}
		}
	}
}
