package inputsource

import (
	"context"
	"encoding/json"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// Druid is the "druid" input source: rows of existing segments of
// DataSource within Interval. It is decoded here and read by the task
// engine, which owns the segment reader.
type Druid struct {
	DataSource string
	Interval   base.Interval
	// Filter is the raw Druid filter JSON, nil when absent.
	Filter json.RawMessage
	// Dimensions and Metrics restrict the columns read (nil: all).
	Dimensions []string
	Metrics    []string
}

func decodeDruid(obj specjson.Object) (*Druid, error) {
	d := &Druid{}
	var err error
	if d.DataSource, err = obj.RequiredString("dataSource"); err != nil {
		return nil, err
	}
	iv, err := obj.RequiredString("interval")
	if err != nil {
		return nil, err
	}
	if d.Interval, err = base.ParseInterval(iv, nil); err != nil {
		return nil, specjson.Errorf(obj.At("interval"), "%w", err)
	}
	d.Filter = obj.Raw("filter")
	if d.Dimensions, err = obj.Strings("dimensions"); err != nil {
		return nil, err
	}
	if d.Metrics, err = obj.Strings("metrics"); err != nil {
		return nil, err
	}
	if obj.Has("segments") {
		return nil, base.Errorf(base.ClassUnsupported, "%s: reading explicit segment lists is not supported; use interval", obj.At("segments"))
	}
	return d, nil
}

// Type returns "druid".
func (d *Druid) Type() string { return "druid" }

// Entities fails: segments are read by the task engine, which must handle
// *Druid itself.
func (d *Druid) Entities(context.Context) ([]Entity, error) {
	return nil, base.Errorf(base.ClassUnsupported, "druid input source (dataSource %q): reading existing segments needs the task engine's segment reader", d.DataSource)
}

// Combining is the "combining" input source: the entities of every delegate
// in order.
type Combining struct {
	Delegates []Source
}

func decodeCombining(obj specjson.Object, cfg Config) (*Combining, error) {
	elems, err := obj.Array("delegates")
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 {
		return nil, specjson.Errorf(obj.At("delegates"), "required field is missing or empty")
	}
	c := &Combining{}
	for i, e := range elems {
		s, err := Decode(e, specjson.Index(obj.At("delegates"), i), cfg)
		if err != nil {
			return nil, err
		}
		c.Delegates = append(c.Delegates, s)
	}
	return c, nil
}

// Type returns "combining".
func (c *Combining) Type() string { return "combining" }

// Entities concatenates the delegates' entities.
func (c *Combining) Entities(ctx context.Context) ([]Entity, error) {
	var out []Entity
	for _, d := range c.Delegates {
		es, err := d.Entities(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}
