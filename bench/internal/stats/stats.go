// Package stats has the figures the bench commands share.
package stats

import "slices"

// Median returns the median of v (not empty), leaving v as it is.
func Median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
