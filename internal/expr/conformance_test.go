package expr

import "testing"

// TestDruidITExpressions evaluates the expressions that appear in Druid's
// integration-test specs and queries (../shared/conformance/druid-it).
func TestDruidITExpressions(t *testing.T) {
	row := MapBindings{
		"delta": int64(31), "triple-added": int64(9), "added": int64(3), "deleted": int64(2), "number": 1.5,
		"city": "Paris", "language": "en", "animal": "cat", "page": "Main",
		"j.lookupLanguage": nil, "j.lookupPage": "Lookup", "j.v": nil, "j.language": "en", "j.k": "x", "j.page": "Main",
		"a0": int64(7), "a1": int64(2),
	}
	cases := []struct{ expr, want string }{
		{`"delta" / 2`, "15"},
		{`"triple-added" + 1`, "10"},
		{`added * 3`, "9"},
		{`concat('city-', city)`, "'city-Paris'"},
		{`concat('language-', language)`, "'language-en'"},
		{`concat('super-', animal)`, "'super-cat'"},
		{`deleted * 2`, "4"},
		{`number * 3`, "4.5"},
		{`nvl("j.lookupLanguage", "language")`, "'en'"},
		{`nvl("j.lookupPage", "page")`, "'Lookup'"},
		{`nvl("j.v", "page")`, "'Main'"},
		{`page`, "'Main'"},
		{`(("a0" * 1.00) / "a1")`, "3.5"},
		{`language == "j.language"`, "1"},
		{`page == "j.k"`, "0"},
		{`page == "j.page"`, "1"},
	}
	for _, tc := range cases {
		c, err := Compile(tc.expr, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		v, err := c.EvalRow(row)
		if err != nil || show(v) != tc.want {
			t.Errorf("%s = %s (%v), want %s", tc.expr, show(v), err, tc.want)
		}
	}
}
