// Command tlogcheck follows an ocop-trace ledger as a C2SP tlog-tiles log with Go's own
// transparency-log code (golang.org/x/mod/sumdb/tlog and sumdb/note, the code behind
// sum.golang.org), an implementation ocop-trace did not write:
//
//   - it verifies the checkpoint at <url>/checkpoint with the key at
//     <url>/.well-known/ocop-trace/log-key;
//   - it reads every leaf hash of the tree through tlog.TileHashReader, which fetches the
//     tiles <url>/tile/<L>/<N>[.p/<W>] and checks each one against the signed root;
//   - it reads every entry from the entry bundles <url>/tile/entries/<N>[.p/<W>] and checks
//     that each hashes to its leaf and is a public form (kind and payload SHA-256 only);
//   - with a state file from an earlier run, it proves the new tree consistent with the tree it
//     saw then, and saves the new tree for the next run.
//
// It exits 1, saying why, when anything does not verify.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run tests/interop/tlog/main.go URL STATE_FILE
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	res, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	if res.StatusCode != http.StatusOK {
		fail("GET %s: %s", url, res.Status)
	}
	return body
}

// tiles fetches C2SP tiles: Go names them tile/8/<L>/<N>, C2SP tile/<L>/<N> (height 8 always).
type tiles struct {
	base    string
	fetched int
}

func (t *tiles) Height() int { return 8 }

func (t *tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		if tile.H != 8 {
			return nil, fmt.Errorf("tile height %d", tile.H)
		}
		path := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		out[i] = get(t.base + "/" + path)
		t.fetched++
	}
	return out, nil
}

func (t *tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// checkpoint parses a C2SP tlog-checkpoint body: origin, size, base64 root, extension lines.
func checkpoint(text string, origin string) tlog.Tree {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] != origin {
		fail("checkpoint %q does not name origin %q", text, origin)
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 {
		fail("checkpoint size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], raw)
	return tlog.Tree{N: n, Hash: h}
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: tlogcheck URL STATE_FILE")
	}
	base, state := strings.TrimRight(os.Args[1], "/"), os.Args[2]

	key := strings.TrimSpace(string(get(base + "/.well-known/ocop-trace/log-key")))
	verifier, err := note.NewVerifier(key)
	if err != nil {
		fail("verifier key %q: %v", key, err)
	}
	signed, err := note.Open(get(base+"/checkpoint"), note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	tree := checkpoint(signed.Text, verifier.Name())

	reader := &tiles{base: base}
	hashes := tlog.TileHashReader(tree, reader)
	root, err := tlog.TreeHash(tree.N, hashes)
	if err != nil {
		fail("tree hash from tiles: %v", err)
	}
	if root != tree.Hash {
		fail("tiles give root %v, checkpoint says %v", root, tree.Hash)
	}
	// Every leaf hash, read through the tile reader: each level-0 tile is checked against the
	// signed root before its hashes are returned.
	indexes := make([]int64, 0, tree.N)
	for i := int64(0); i < tree.N; i++ {
		indexes = append(indexes, tlog.StoredHashIndex(0, i))
	}
	leaves, err := hashes.ReadHashes(indexes)
	if err != nil {
		fail("leaf hashes: %v", err)
	}
	// Every entry from the entry bundles tile/entries/<N>[.p/<W>]: length-prefixed public
	// forms, each hashing (tlog.RecordHash, RFC 6962) to its verified leaf.
	for start := int64(0); start < tree.N; start += 256 {
		width := tree.N - start
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}
		path := strings.Replace(tile.Path(), "tile/8/0/", "tile/entries/", 1)
		data := get(base + "/" + path)
		for k := int64(0); k < width; k++ {
			if len(data) < 2 {
				fail("%s: entry %d missing", path, start+k)
			}
			size := int(data[0])<<8 | int(data[1])
			if len(data) < 2+size {
				fail("%s: entry %d cut short", path, start+k)
			}
			entry := data[2 : 2+size]
			data = data[2+size:]
			if tlog.RecordHash(entry) != leaves[start+k] {
				fail("entry %d from %s does not hash to its leaf: %q", start+k, path, entry)
			}
			var form map[string]interface{}
			if err := json.Unmarshal(entry, &form); err != nil || len(form) != 2 || form["kind"] == nil || form["payload_sha256"] == nil {
				fail("entry %d is not a public form: %q", start+k, entry)
			}
		}
		if len(data) != 0 {
			fail("%s: %d bytes after its %d entries", path, len(data), width)
		}
	}
	for _, i := range []int64{0, tree.N / 2, tree.N - 1} {
		proof, err := tlog.ProveRecord(tree.N, i, hashes)
		if err != nil {
			fail("record proof %d: %v", i, err)
		}
		if err := tlog.CheckRecord(proof, tree.N, tree.Hash, i, leaves[i]); err != nil {
			fail("record %d: %v", i, err)
		}
	}

	if saved, err := os.ReadFile(state); err == nil {
		old, err := tlog.ParseTree(saved)
		if err != nil {
			fail("state file %s: %v", state, err)
		}
		if old.N > tree.N {
			fail("the log shrank from %d to %d entries", old.N, tree.N)
		}
		proof, err := tlog.ProveTree(tree.N, old.N, hashes)
		if err != nil {
			fail("consistency proof %d -> %d: %v", old.N, tree.N, err)
		}
		if err := tlog.CheckTree(proof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
			fail("the tree of %d entries is not an extension of the one seen before (%d entries, root %v): %v", tree.N, old.N, old.Hash, err)
		}
		fmt.Printf("consistent with the %d entries seen before\n", old.N)
	} else if !os.IsNotExist(err) {
		fail("state file %s: %v", state, err)
	}
	if err := os.WriteFile(state, tlog.FormatTree(tree), 0o644); err != nil {
		fail("state file %s: %v", state, err)
	}
	fmt.Printf("verified %d entries of %s against its signed checkpoint (%d tiles)\n", tree.N, verifier.Name(), reader.fetched)
}
