package joda

import (
	"testing"
	"time"
)

func BenchmarkFormatISO(b *testing.B) {
	f := MustCompile("yyyy-MM-dd'T'HH:mm:ss.SSSZZ")
	la, _ := time.LoadLocation("America/Los_Angeles")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = f.AppendFormat(buf[:0], 1377910953456+int64(i)*1000, la)
	}
}

func BenchmarkParseISO(b *testing.B) {
	f := MustCompile("yyyy-MM-dd'T'HH:mm:ss.SSSZZ")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := f.Parse("2013-08-30T18:02:03.456-07:00", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAccessLogInZone(b *testing.B) {
	f := MustCompile("dd/MMM/yyyy:HH:mm:ss")
	la, _ := time.LoadLocation("America/Los_Angeles")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := f.Parse("30/Aug/2013:18:02:03", la); err != nil {
			b.Fatal(err)
		}
	}
}
