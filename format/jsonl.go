package format

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/tidwall/pretty"
)

// timeLayout is RFC 3339 in UTC with milliseconds, as jsonl events carry it.
const timeLayout = "2006-01-02T15:04:05.000Z"

// appendEventHead starts a jsonl object: {"time":"...","event":"<event>".
func (p *Printer) appendEventHead(b []byte, event string) []byte {
	b = append(b, `{"time":"`...)
	b = p.now().UTC().AppendFormat(b, timeLayout)
	b = append(b, `","event":"`...)
	b = append(b, event...)
	return append(b, '"')
}

// appendKey adds ,"key": to an open object.
func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendEventEnd closes a jsonl object and its line.
func appendEventEnd(b []byte) []byte {
	return append(b, '}', '\n')
}

// appendMessageEvent adds a "message" event. A text message that is valid
// JSON (and valid UTF-8) is embedded as JSON, compacted to keep the line one
// line; other text becomes a string; binary data becomes base64.
func (p *Printer) appendMessageEvent(b []byte, dir Dir, binary bool, data []byte) []byte {
	b = p.appendEventHead(b, "message")
	b = appendDirType(b, dir, binary)
	b = appendKey(b, "data")
	switch {
	case binary:
		b = appendBase64String(b, data)
	case utf8.Valid(data) && isJSON(data):
		start := len(b)
		b = append(b, data...)
		b = b[:start+len(pretty.UglyInPlace(b[start:]))]
	default:
		b = appendString(b, data)
	}
	b = appendKey(b, "size")
	b = strconv.AppendInt(b, int64(len(data)), 10)
	return appendEventEnd(b)
}

// appendDirType adds the "dir" and "type" fields.
func appendDirType(b []byte, dir Dir, binary bool) []byte {
	b = appendKey(b, "dir")
	b = appendStr(b, string(dir))
	b = appendKey(b, "type")
	if binary {
		return append(b, `"binary"`...)
	}
	return append(b, `"text"`...)
}

// appendBase64String adds data as a JSON string of standard base64.
func appendBase64String(b, data []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

// appendStrOrNull adds s as a JSON string, or null when it is empty.
func appendStrOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendStr(b, s)
}

// appendStrings adds a JSON array of strings ([] when empty).
func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStr(b, s)
	}
	return append(b, ']')
}

// writeEvent writes one jsonl line on stdout; callers hold mu. The write
// error is dropped: Message reports a closed stdout to the caller.
func (p *Printer) writeEvent(b []byte) {
	_ = p.flush(p.out, b)
}
