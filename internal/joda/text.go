package joda

// monthName is the English name of month m (1-12), as Joda prints it for
// Locale.ENGLISH.
func monthName(m int) string {
	return [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}[m-1]
}

// dayName is the English name of ISO day of week d (Monday = 1).
func dayName(d int) string {
	return [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}[d-1]
}

// zoneLongName gives the English long name Java prints for the common
// zone abbreviations; other zones print their abbreviation.
func zoneLongName(abbr string) string {
	switch abbr {
	case "UTC":
		return "Coordinated Universal Time"
	case "GMT":
		return "Greenwich Mean Time"
	case "PST":
		return "Pacific Standard Time"
	case "PDT":
		return "Pacific Daylight Time"
	case "MST":
		return "Mountain Standard Time"
	case "MDT":
		return "Mountain Daylight Time"
	case "CST":
		return "Central Standard Time"
	case "CDT":
		return "Central Daylight Time"
	case "EST":
		return "Eastern Standard Time"
	case "EDT":
		return "Eastern Daylight Time"
	case "AKST":
		return "Alaska Standard Time"
	case "AKDT":
		return "Alaska Daylight Time"
	case "HST":
		return "Hawaii Standard Time"
	case "BST":
		return "British Summer Time"
	case "CET":
		return "Central European Standard Time"
	case "CEST":
		return "Central European Summer Time"
	case "EET":
		return "Eastern European Standard Time"
	case "EEST":
		return "Eastern European Summer Time"
	case "WET":
		return "Western European Standard Time"
	case "WEST":
		return "Western European Summer Time"
	case "JST":
		return "Japan Standard Time"
	case "KST":
		return "Korean Standard Time"
	case "AEST":
		return "Australian Eastern Standard Time"
	case "AEDT":
		return "Australian Eastern Daylight Time"
	}
	return abbr
}

// shortZoneNames are the zone abbreviations Joda's default parser knows
// (DateTimeUtils.getDefaultTimeZoneNames) with the zones they stand for.
func shortZoneNames() [][2]string {
	return [][2]string{
		{"UTC", "UTC"}, {"GMT", "UTC"}, {"UT", "UTC"},
		{"EST", "America/New_York"}, {"EDT", "America/New_York"},
		{"CST", "America/Chicago"}, {"CDT", "America/Chicago"},
		{"MST", "America/Denver"}, {"MDT", "America/Denver"},
		{"PST", "America/Los_Angeles"}, {"PDT", "America/Los_Angeles"},
	}
}
