package conf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// property is one <property> of a Hadoop XML resource, in document order.
type property struct {
	name string
	// value is what <value> (or the value attribute) held. Hadoop treats an absent or empty
	// <value> as "not set": such a property changes nothing except, with final, it freezes
	// the key (Configuration.loadProperty). hasValue says which case we have.
	value    string
	hasValue bool
	final    bool
	file     string // the resource the property was written in (an included file names itself)
	line     int
}

// includeFunc resolves an xi:include href written in file from. found=false means the target
// does not exist, which Hadoop tolerates only when the include has an xi:fallback.
type includeFunc func(from, href string) (props []property, found bool, err error)

// parseResource reads one Hadoop configuration resource the way Hadoop 3's
// Configuration.Parser does (h341 Configuration.java, class Parser):
//
//   - It is a flat event handler, not a schema: <property> starts a record, the text of the
//     last <name>, <value> and <final> seen before </property> fills it, and the element
//     nesting is not checked beyond XML well-formedness. The root element is not checked
//     either (Hadoop 3 dropped that check).
//   - The short form <property name="k" value="v" final="true"/> is accepted.
//   - The name is trimmed, the value is not (Configuration.get returns it untrimmed;
//     the typed getters trim). final is "true" exactly, as in Java.
//   - <xi:include href="..."> (any prefix: only the local name counts) is replaced inline by
//     the properties of the target; a missing target is an error unless the include holds
//     an <xi:fallback>, whose properties are then used instead.
//
// Errors name the file and line; syntax errors wrap ErrInvalid.
func parseResource(data []byte, file string, include includeFunc) ([]property, error) {
	// Java's reader skips a UTF-8 byte-order mark; encoding/xml returns it as text.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := &parser{dec: xml.NewDecoder(bytes.NewReader(data)), file: file, include: include}
	p.dec.CharsetReader = charsetReader
	if err := p.run(); err != nil {
		return nil, err
	}
	return p.out, nil
}

type parser struct {
	dec     *xml.Decoder
	file    string
	include includeFunc
	out     []property

	depth    int  // element nesting, only to reject a second root element
	sawRoot  bool // a root element has started
	token    strings.Builder
	inToken  bool // collecting text since the last <name>/<value>/<final>/<source>/<tag>
	cur      property
	hasName  bool
	href     string
	fallback struct{ allowed, entered bool } // include target missing / inside <fallback>
}

func (p *parser) run() error {
	for {
		tok, err := p.dec.Token()
		if errors.Is(err, io.EOF) {
			if !p.sawRoot {
				return p.errorf(1, "no root element (an empty file?); want <configuration>")
			}
			return nil
		}
		if err != nil {
			var syn *xml.SyntaxError
			if errors.As(err, &syn) {
				return p.errorf(syn.Line, "%s", syn.Msg)
			}
			line, _ := p.dec.InputPos()
			return p.errorf(line, "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if p.depth == 0 && p.sawRoot {
				line, _ := p.dec.InputPos()
				return p.errorf(line, "element <%s> after the root element", t.Name.Local)
			}
			p.depth++
			p.sawRoot = true
			if err := p.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			p.depth--
			if err := p.end(t.Name.Local); err != nil {
				return err
			}
		case xml.CharData:
			if p.depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				line, _ := p.dec.InputPos()
				return p.errorf(line, "text outside the root element")
			}
			if p.inToken {
				p.token.Write(t)
			}
		}
	}
}

func (p *parser) start(t xml.StartElement) error {
	switch t.Name.Local {
	case "property":
		line, _ := p.dec.InputPos()
		p.cur = property{file: p.file, line: line}
		p.hasName = false
		for _, a := range t.Attr {
			switch a.Name.Local {
			case "name":
				p.cur.name, p.hasName = a.Value, true
			case "value":
				p.cur.value, p.cur.hasValue = a.Value, true
			case "final":
				p.cur.final = a.Value == "true"
			}
		}
	case "name", "value", "final", "source", "tag":
		p.inToken = true
		p.token.Reset()
	case "include":
		return p.startInclude(t)
	case "fallback":
		p.fallback.entered = true
	}
	return nil
}

func (p *parser) end(local string) error {
	text := p.token.String()
	switch local {
	case "name":
		if text != "" {
			p.cur.name, p.hasName = strings.TrimSpace(text), true
		}
	case "value":
		if text != "" {
			p.cur.value, p.cur.hasValue = text, true
		}
	case "final":
		p.cur.final = text == "true"
	case "include":
		if p.fallback.allowed && !p.fallback.entered {
			line, _ := p.dec.InputPos()
			return p.errorf(line, "xi:include %q: no such file and no xi:fallback", p.href)
		}
		p.fallback.allowed, p.fallback.entered = false, false
	case "property":
		// Properties inside an <xi:fallback> count only when the include failed.
		if p.hasName && p.cur.name != "" && (p.fallback.allowed || !p.fallback.entered) {
			p.out = append(p.out, p.cur)
		}
	}
	return nil
}

func (p *parser) startInclude(t xml.StartElement) error {
	p.href = ""
	for _, a := range t.Attr {
		if a.Name.Local == "href" {
			p.href = a.Value
		}
	}
	if p.href == "" {
		return nil // Hadoop ignores an include without href
	}
	line, _ := p.dec.InputPos()
	if p.include == nil {
		return p.errorf(line, "xi:include %q: includes are not followed here", p.href)
	}
	props, found, err := p.include(p.file, p.href)
	if err != nil {
		return fmt.Errorf("%s:%d: xi:include: %w", p.file, line, err)
	}
	if !found {
		p.fallback.allowed = true
		return nil
	}
	p.out = append(p.out, props...)
	return nil
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%w: %s:%d: %s", ErrInvalid, p.file, line, fmt.Sprintf(format, args...))
}

// charsetReader lets encoding/xml read the non-UTF-8 declarations seen in the wild
// (Java's StAX reader accepts them too). UTF-8 itself never reaches here.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return in, nil // ASCII is UTF-8; non-ASCII bytes then fail as invalid UTF-8
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		var s strings.Builder
		for _, c := range b {
			s.WriteRune(rune(c)) // Latin-1 bytes are the first 256 code points
		}
		return strings.NewReader(s.String()), nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q (use UTF-8)", label)
}
