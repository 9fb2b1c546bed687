package result

import (
	"bytes"
	"reflect"
	"strconv"
)

// fits says whether the JSON token of kind, whose bytes are raw, can
// decode into a t.
func fits(kind byte, raw []byte, t reflect.Type) bool {
	if kind == tokNull || t.Kind() == reflect.Interface {
		return true // null leaves the zero value; any takes anything
	}
	switch kind {
	case '{':
		return t.Kind() == reflect.Map || t.Kind() == reflect.Struct && t != timeType
	case '[':
		return t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	case tokString:
		return t.Kind() == reflect.String || t == timeType // the time's format is encoding/json's to check
	case tokNumber:
		switch describe(t) {
		case "a number":
			return true
		case "a whole number":
			return !bytes.ContainsAny(raw, ".eE")
		}
	case tokTrue, tokFalse:
		return t.Kind() == reflect.Bool
	}
	return false
}

// describe names what a Go type takes, as someone editing the JSON thinks
// of it.
func describe(t reflect.Type) string {
	if t == timeType {
		return "a time (RFC 3339)"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return t.String()
	}
}

// describeToken says what the JSON holds, with the value when it is short.
func describeToken(kind byte, raw []byte) string {
	switch kind {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case tokString:
		v := string(unquote(raw))
		if len(v) > 24 {
			return "a string"
		}
		return "the string " + strconv.Quote(v)
	case tokNumber:
		if len(raw) > 24 {
			return "a number"
		}
		return "the number " + string(raw)
	case tokTrue:
		return "true"
	case tokFalse:
		return "false"
	}
	return "null"
}
