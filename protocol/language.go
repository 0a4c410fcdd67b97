package protocol

import "strconv"

// LanguageCode is the sender's language (J4 remoting/protocol/LanguageCode.java).
// The byte values are wire format (ROCKETMQ codec) and must never change;
// the JSON codec writes the enum names.
type LanguageCode byte

// Language codes.
const (
	LanguageJava   LanguageCode = 0
	LanguageCPP    LanguageCode = 1
	LanguageDotNet LanguageCode = 2
	LanguagePython LanguageCode = 3
	LanguageDelphi LanguageCode = 4
	LanguageErlang LanguageCode = 5
	LanguageRuby   LanguageCode = 6
	LanguageOther  LanguageCode = 7
	LanguageHTTP   LanguageCode = 8
	LanguageGo     LanguageCode = 9
	LanguagePHP    LanguageCode = 10
	LanguageOMS    LanguageCode = 11
	LanguageRust   LanguageCode = 12
	// LanguageUnknown is what a JSON header's unrecognised language name
	// decodes to (the Go client uses the same value).
	LanguageUnknown LanguageCode = 127
)

// languageNames are the Java enum names, indexed by code.
var languageNames = [...]string{
	LanguageJava:   "JAVA",
	LanguageCPP:    "CPP",
	LanguageDotNet: "DOTNET",
	LanguagePython: "PYTHON",
	LanguageDelphi: "DELPHI",
	LanguageErlang: "ERLANG",
	LanguageRuby:   "RUBY",
	LanguageOther:  "OTHER",
	LanguageHTTP:   "HTTP",
	LanguageGo:     "GO",
	LanguagePHP:    "PHP",
	LanguageOMS:    "OMS",
	LanguageRust:   "RUST",
}

// Name returns the Java enum name, or "" for a code without one.
func (l LanguageCode) Name() string {
	if int(l) < len(languageNames) {
		return languageNames[l]
	}
	return ""
}

// String returns the enum name, or "LANGUAGE_<n>".
func (l LanguageCode) String() string {
	if n := l.Name(); n != "" {
		return n
	}
	return "LANGUAGE_" + strconv.Itoa(int(l))
}

// jsonName is the name written in a JSON header: codes without a Java name
// are written as OTHER, because a Java peer rejects unknown enum names.
func (l LanguageCode) jsonName() string {
	if n := l.Name(); n != "" {
		return n
	}
	return "OTHER"
}

// languageByName maps a JSON language name to its code; unknown names give
// LanguageUnknown.
func languageByName(name []byte) LanguageCode {
	for i, n := range languageNames {
		if string(name) == n {
			return LanguageCode(i)
		}
	}
	return LanguageUnknown
}
