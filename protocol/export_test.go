package protocol

// RaceEnabled gives the external test package raceEnabled.
const RaceEnabled = raceEnabled
