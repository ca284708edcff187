package ingest

import "github.com/dryaddb/dryad/internal/granularity"

type granularityT = granularity.Granularity

func granularityMust(name string) granularity.Granularity { return granularity.MustParse(name) }
