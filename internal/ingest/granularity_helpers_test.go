package ingest

import (
	"strconv"

	"github.com/dryaddb/dryad/internal/granularity"
)

type granularityT = granularity.Granularity

func granularityMust(name string) granularity.Granularity { return granularity.MustParse(name) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
