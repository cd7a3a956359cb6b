package format

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// timeLayout is RFC 3339 in UTC to the second; jsonl events add
// milliseconds and "Z": "2006-01-02T15:04:05.000Z".
const timeLayout = "2006-01-02T15:04:05"

// appendEventHead starts a jsonl object: {"time":"...","event":"<event>".
func (p *Printer) appendEventHead(b []byte, event string) []byte {
	b = append(b, `{"time":"`...)
	b = p.eventText.append(b, p.now().UTC(), timeLayout)
	b = append(b, `Z","event":"`...)
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
	if head, ok := messageHead(dir, binary); ok { // the usual start, in one append
		b = append(b, `{"time":"`...)
		b = p.eventText.append(b, p.now().UTC(), timeLayout)
		b = append(b, head...)
	} else {
		b = appendMessageHead(p.appendEventHead(b, "message"), dir, binary)
	}
	b = appendData(b, binary, data)
	b = appendKey(b, "size")
	b = strconv.AppendInt(b, int64(len(data)), 10)
	return appendEventEnd(b)
}

// appendMessageHead adds the fields of a "message" event up to its data.
func appendMessageHead(b []byte, dir Dir, binary bool) []byte {
	b = appendDirType(b, dir, binary)
	return appendKey(b, "data")
}

// messageHeads is, for a text message in, a binary one in, a text one out
// and a binary one out, the text of its event from the end of the time up
// to the data: `Z","event":"message","dir":"in","type":"text","data":`.
var messageHeads = func() (heads [4]string) {
	for i := range heads {
		dir, binary := In, i%2 == 1
		if i >= 2 {
			dir = Out
		}
		heads[i] = string(appendMessageHead([]byte(`Z","event":"message"`), dir, binary))
	}
	return heads
}()

// messageHead is the entry of messageHeads for a message, if it has one.
func messageHead(dir Dir, binary bool) (string, bool) {
	i := 0
	switch dir {
	case In:
	case Out:
		i = 2
	default:
		return "", false
	}
	if binary {
		i++
	}
	return messageHeads[i], true
}

// appendData adds a message's data: binary as base64, text that is JSON
// (and UTF-8) as that JSON on one line, other text as a string.
func appendData(b []byte, binary bool, data []byte) []byte {
	if binary {
		return appendBase64String(b, data)
	}
	if utf8.Valid(data) {
		if json, spaced := scanJSON(data); json {
			return appendUgly(b, data, spaced)
		}
	}
	return appendString(b, data)
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

// writeEvent writes b, one jsonl line built after any bytes Queue holds
// (b extends pend), on stdout; callers hold mu. The write error is
// dropped: Message reports a closed stdout to the caller.
func (p *Printer) writeEvent(b []byte) {
	p.pend = b
	_ = p.writeOut()
}
