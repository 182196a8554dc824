package security

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The files in testdata/ were written by Hadoop 3.4.3's own classes
// (testdata/javagen/GenFixtures.java, run by gen.sh). The constants below
// mirror the values in GenFixtures.java.

func pattern(n, mul, add int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*mul + add)
	}
	return b
}

func javaIdentifier() DelegationTokenIdentifier {
	return DelegationTokenIdentifier{
		Owner: "bjørn", Renewer: "yarn", RealUser: "oozie",
		IssueDate:      time.UnixMilli(1700000000123).UTC(),
		MaxDate:        time.UnixMilli(1700604800456).UTC(),
		SequenceNumber: 300, MasterKeyID: 7,
	}
}

func javaCredentials() *Credentials {
	c := NewCredentials()
	c.Add("ha-hdfs:mycluster", Token{
		Identifier: javaIdentifier().AppendWritable(nil),
		Password:   pattern(20, 1, 0xa0),
		Kind:       "HDFS_DELEGATION_TOKEN",
		Service:    "ha-hdfs:mycluster",
	})
	c.Add("big-token", Token{
		Identifier: pattern(200, 7, 3),
		Password:   pattern(300, 13, 5),
		Kind:       "ORCA_TEST_TOKEN",
		Service:    "",
	})
	c.AddSecret("orca.secret", Secret("s3cr3t-value"))
	c.AddSecret("orca.empty", Secret{})
	return c
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("fixture %s (regenerate with testdata/javagen/gen.sh): %v", name, err)
	}
	return b
}

func TestJavaDelegationTokenIdentifier(t *testing.T) {
	java := readFixture(t, "dtid.bin")
	id, err := ParseDelegationTokenIdentifier(java)
	if err != nil {
		t.Fatal(err)
	}
	if want := javaIdentifier(); id != want {
		t.Errorf("decoded %+v\nwant    %+v", id, want)
	}
	if got := javaIdentifier().AppendWritable(nil); !bytes.Equal(got, java) {
		t.Errorf("ours %x\njava %x", got, java)
	}
}

func TestJavaCredentialsFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		f    Format
	}{
		{"creds-default.hdts", DefaultFormat}, // what writeTokenStorageToStream(os) writes
		{"creds-writable.hdts", FormatWritable},
		{"creds-protobuf.hdts", FormatProtobuf},
	} {
		java := readFixture(t, tc.file)
		c, err := ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		assertSameCredentials(t, c, javaCredentials())
		hdfs, _ := c.Token("ha-hdfs:mycluster")
		if id, err := hdfs.DelegationTokenIdentifier(); err != nil || id != javaIdentifier() {
			t.Errorf("%s: identifier %+v, %v", tc.file, id, err)
		}
		if s, _ := c.Secret("orca.empty"); s == nil {
			t.Errorf("%s: empty secret should be present and non-nil", tc.file)
		}
		ours, err := javaCredentials().Marshal(tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, java) {
			t.Errorf("%s: our bytes differ from Java's\nours %x\njava %x", tc.file, ours, java)
		}
	}
	for _, tc := range []struct {
		file string
		f    Format
	}{{"empty-writable.hdts", FormatWritable}, {"empty-protobuf.hdts", FormatProtobuf}} {
		java := readFixture(t, tc.file)
		ours, _ := NewCredentials().Marshal(tc.f)
		if !bytes.Equal(ours, java) {
			t.Errorf("%s: ours %x, java %x", tc.file, ours, java)
		}
		if c, err := Unmarshal(java); err != nil || len(c.Tokens)+len(c.Secrets) != 0 {
			t.Errorf("%s: %v, %v", tc.file, c, err)
		}
	}
}

// java-values.txt: WritableUtils.writeVLong, Text.write, BytesWritable.write
// and Token.encodeToUrlString outputs from Hadoop itself.
func TestJavaWritableValues(t *testing.T) {
	sc := bufio.NewScanner(bytes.NewReader(readFixture(t, "java-values.txt")))
	seen := map[string]int{}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		f := strings.Split(line, " ")
		if len(f) != 3 {
			t.Fatalf("bad line %q", line)
		}
		kind, in, out := f[0], f[1], f[2]
		seen[kind]++
		switch kind {
		case "vlong":
			v, _ := strconv.ParseInt(in, 10, 64)
			want, _ := hex.DecodeString(out)
			if got := AppendVLong(nil, v); !bytes.Equal(got, want) {
				t.Errorf("vlong %d: ours %x, java %s", v, got, out)
			}
			if back, err := ReadVLong(bytes.NewReader(want)); err != nil || back != v {
				t.Errorf("vlong %s: read %d, %v", out, back, err)
			}
		case "text":
			s, _ := hex.DecodeString(in)
			if got := hex.EncodeToString(AppendText(nil, string(s))); got != out {
				t.Errorf("text %q: ours %s, java %s", s, got, out)
			}
		case "byteswritable":
			p, _ := hex.DecodeString(in)
			if got := hex.EncodeToString(AppendBytesWritable(nil, p)); got != out {
				t.Errorf("byteswritable %s: ours %s, java %s", in, got, out)
			}
		case "tokenurl":
			tok, _ := javaCredentials().Token(in)
			if got := tok.EncodeToURLString().Reveal(); got != out {
				t.Errorf("tokenurl %s:\nours %s\njava %s", in, got, out)
			}
			if back, err := DecodeTokenURLString(out); err != nil || !back.Equal(tok) {
				t.Errorf("decode java tokenurl %s: %v, %v", in, back, err)
			}
		default:
			t.Errorf("unknown line kind %q", kind)
		}
	}
	if seen["vlong"] < 20 || seen["tokenurl"] != 2 || seen["text"] == 0 || seen["byteswritable"] == 0 {
		t.Errorf("fixture looks incomplete: %v", seen)
	}
}
