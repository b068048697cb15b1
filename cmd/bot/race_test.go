//go:build race

package main

// raceDetector is whether the tests run with -race, which slows every request several
// times: timing bars are then loosened, and say so.
const raceDetector = true
