package datagen

import "fmt"

// WikiValue returns the value the wiki generator writes for a dimension's
// Zipf rank (0 is the most frequent value), so that benchmark queries can
// name values that exist with a known popularity. Dimensions: channel,
// countryName, regionName, cityName, page, user, comment. Other names are an
// error.
func WikiValue(dimension string, rank uint64) (string, error) {
	switch dimension {
	case "channel":
		return "#" + word(rank, 2) + ".wikipedia", nil
	case "countryName":
		return "Country " + word(rank, 3), nil
	case "regionName":
		return "Region " + word(rank, 3), nil
	case "cityName":
		return "City " + word(rank, 3), nil
	case "page":
		return "Page " + word(rank, 4), nil
	case "user":
		return "User" + word(rank, 3), nil
	case "comment":
		return "edit " + word(rank, 5), nil
	}
	return "", fmt.Errorf("datagen: no ranked values for wiki dimension %q", dimension)
}
