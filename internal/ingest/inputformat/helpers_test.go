package inputformat

import (
	"bytes"
	"encoding/json"
	"strconv"
)

func strconvParseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

func jsonNewDecoder(b []byte) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d
}
