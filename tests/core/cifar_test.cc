// Tests for core/cifar.h: the batch file reader and its error messages on small synthetic files,
// LoadCifar10 on synthetic folders, the data folder search, and one test on the real data.
#include "core/cifar.h"
#include "core/user_path.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/real_data.h"

namespace cifarbench {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The pixel byte `j` (0..3071) of synthetic image `i`: distinct enough to catch misplaced data.
uint8_t Pixel(int i, int j) { return static_cast<uint8_t>((i * 37 + j * 7 + j / 1024) % 251); }

// `labels.size()` records; record i has label labels[i] and pixels Pixel(first + i, j).
std::string Records(const std::vector<int>& labels, int first = 0) {
  std::string bytes;
  for (size_t i = 0; i < labels.size(); ++i) {
    bytes.push_back(static_cast<char>(labels[i]));
    for (int j = 0; j < kCifarImageBytes; ++j) {
      bytes.push_back(static_cast<char>(Pixel(first + static_cast<int>(i), j)));
    }
  }
  return bytes;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out) << "cannot write " << path;
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// A sparse file of `size` zero bytes (a valid record has label 0), written instantly.
void WriteSparseFile(const std::string& path, int64_t size) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(ftruncate(fd, size), 0) << path << ": " << std::strerror(errno);
  close(fd);
}

void PokeByte(const std::string& path, int64_t offset, uint8_t value) {
  const int fd = open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(pwrite(fd, &value, 1, offset), 1) << path;
  close(fd);
}

// Sets or unsets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class CifarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/') base += '/';
    std::string templ = base + "cifar_test.XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr) << templ << ": " << std::strerror(errno);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string MakeDir(const std::string& name) const {
    fs::create_directories(Path(name));
    return Path(name);
  }

  // A folder of six files of `records_per_file` records each; training record k overall
  // (file k / n, record k % n) has label k % 10 and image k; test record r has label (r + 3) % 10
  // and image 1000 + r.
  std::string MakeSyntheticFolder(const std::string& name, int records_per_file) {
    const std::string folder = MakeDir(name);
    for (int f = 0; f < 5; ++f) {
      std::vector<int> labels;
      for (int r = 0; r < records_per_file; ++r) labels.push_back((f * records_per_file + r) % 10);
      WriteFile(folder + "/data_batch_" + std::to_string(f + 1) + ".bin",
                Records(labels, f * records_per_file));
    }
    std::vector<int> labels;
    for (int r = 0; r < records_per_file; ++r) labels.push_back((r + 3) % 10);
    WriteFile(folder + "/test_batch.bin", Records(labels, 1000));
    return folder;
  }

  std::string dir_;
};

// --- VerifyCifarChecksums (--verify_data) ---------------------------------------------------

// SHA256SUMS for every file of a synthetic folder, as sha256sum writes it.
void WriteSums(const std::string& folder, const std::string& corrupt_name = "") {
  std::string sums;
  for (const char* f : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                        "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}) {
    std::ifstream in(folder + "/" + f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string hex = Sha256HexDigest(bytes);
    if (f == corrupt_name) hex[0] = hex[0] == '0' ? '1' : '0';
    sums += hex + "  " + f + "\n";
  }
  WriteFile(folder + "/SHA256SUMS", sums);
}

TEST_F(CifarTest, VerifyAcceptsMatchingChecksums) {
  const std::string folder = MakeSyntheticFolder("ok", 3);
  WriteSums(folder);
  EXPECT_TRUE(VerifyCifarChecksums(folder).ok()) << VerifyCifarChecksums(folder);
}

TEST_F(CifarTest, VerifyNamesTheFileWhoseDigestDiffers) {
  const std::string folder = MakeSyntheticFolder("bad", 3);
  WriteSums(folder, "data_batch_4.bin");
  absl::Status s = VerifyCifarChecksums(folder);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()),
              ::testing::HasSubstr(folder + "/data_batch_4.bin: sha256 "));
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("SHA256SUMS:4 says "));
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("tools/fetch_cifar10.sh"));
}

TEST_F(CifarTest, VerifyMissingSumsMalformedLineUnlistedAndMissingFile) {
  const std::string folder = MakeSyntheticFolder("sums", 3);
  EXPECT_EQ(VerifyCifarChecksums(folder).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(VerifyCifarChecksums(folder).message()),
              ::testing::HasSubstr("SHA256SUMS: no checksum list"));
  WriteFile(folder + "/SHA256SUMS", "not a checksum\n");
  EXPECT_EQ(VerifyCifarChecksums(folder).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(VerifyCifarChecksums(folder).message()),
              ::testing::HasSubstr("SHA256SUMS:1: not a sha256sum line"));
  WriteSums(folder);
  std::ifstream sums_in(folder + "/SHA256SUMS");
  const std::string sums((std::istreambuf_iterator<char>(sums_in)), std::istreambuf_iterator<char>());
  WriteFile(folder + "/SHA256SUMS", sums.substr(0, sums.rfind('\n', sums.size() - 2) + 1));
  EXPECT_THAT(std::string(VerifyCifarChecksums(folder).message()),
              ::testing::HasSubstr("does not list test_batch.bin"));
  WriteSums(folder);
  fs::remove(folder + "/data_batch_2.bin");
  EXPECT_EQ(VerifyCifarChecksums(folder).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(VerifyCifarChecksums(folder).message()),
              ::testing::HasSubstr("data_batch_2.bin: listed in"));
}

// --- ReadCifarBatchFile --------------------------------------------------------------------

TEST_F(CifarTest, ReadsRecordsIntoImagesAndLabels) {
  const std::string path = Path("batch.bin");
  WriteFile(path, Records({3, 0, 9}));
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path, 3);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->size, 3);
  EXPECT_EQ(split->labels, (std::vector<uint8_t>{3, 0, 9}));
  ASSERT_EQ(split->images.size(), 3u * kCifarImageBytes);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < kCifarImageBytes; ++j) {
      ASSERT_EQ(split->images[i * kCifarImageBytes + j], Pixel(i, j)) << "image " << i << " byte " << j;
    }
  }
}

TEST_F(CifarTest, PlanesLandInChannelOrder) {
  // Image 1: red plane all 10, green all 20, blue all 30, with a marker at (y=2, x=5) in each.
  std::string bytes = Records({7});
  bytes.push_back(4);
  for (int c = 0; c < 3; ++c) {
    for (int p = 0; p < 1024; ++p) bytes.push_back(static_cast<char>(p == 2 * 32 + 5 ? 200 + c : 10 * (c + 1)));
  }
  const std::string path = Path("planes.bin");
  WriteFile(path, bytes);
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path, -1);
  ASSERT_TRUE(split.ok()) << split.status();
  ASSERT_EQ(split->size, 2);
  EXPECT_EQ(split->labels[1], 4);
  const uint8_t* image = split->images.data() + 1 * kCifarImageBytes;
  EXPECT_EQ(image[0], 10);                    // red plane: images[i*3072 .. +1024]
  EXPECT_EQ(image[1023], 10);
  EXPECT_EQ(image[1024], 20);                 // green plane
  EXPECT_EQ(image[2048 + 1023], 30);          // blue plane
  EXPECT_EQ(image[0 * 1024 + 2 * 32 + 5], 200);
  EXPECT_EQ(image[1 * 1024 + 2 * 32 + 5], 201);
  EXPECT_EQ(image[2 * 1024 + 2 * 32 + 5], 202);
}

TEST_F(CifarTest, AnyRecordCountWhenExpectedIsMinusOne) {
  const std::string path = Path("batch.bin");
  WriteFile(path, Records({1, 2, 3, 4, 5}));
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path, -1);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->size, 5);
}

TEST_F(CifarTest, DefaultExpectsTenThousandRecords) {
  const std::string path = Path("full.bin");
  WriteSparseFile(path, int64_t{kCifarRecordsPerFile} * kCifarRecordBytes);
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->size, 10000);
  EXPECT_EQ(split->images.size(), 10000u * 3072u);
}

TEST_F(CifarTest, MissingFileIsNotFound) {
  const std::string path = Path("nope.bin");
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(split.status().message(), path + ": cannot open: No such file or directory");
  std::printf("example error: %s\n", split.status().ToString().c_str());
}

TEST_F(CifarTest, FolderIsNotAFile) {
  const std::string path = MakeDir("folder.bin");
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(split.status().message(), HasSubstr(path + ": not a regular file (it is a folder)"));
}

TEST_F(CifarTest, EmptyFile) {
  const std::string path = Path("empty.bin");
  WriteFile(path, "");
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              AllOf(HasSubstr(path + ": the file is empty (0 bytes)"),
                    HasSubstr("10,000 records = 30730000 bytes"),
                    HasSubstr("re-download the data (tools/fetch_cifar10.sh)")));
  std::printf("example error: %s\n", split.status().ToString().c_str());
  // Empty is an error even when any record count is accepted.
  EXPECT_FALSE(ReadCifarBatchFile(path, -1).ok());
}

TEST_F(CifarTest, TruncatedFullSizeFile) {
  const std::string path = Path("truncated.bin");
  WriteSparseFile(path, 30729999);
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              AllOf(HasSubstr(path + ": 30729999 bytes is not a whole number of 3,073-byte "
                                     "records: the last record, at byte offset 30726927, is "
                                     "truncated (3,072 bytes of 3,073)"),
                    HasSubstr("re-download the data (tools/fetch_cifar10.sh)")));
  std::printf("example error: %s\n", split.status().ToString().c_str());
}

TEST_F(CifarTest, TruncatedSmallFile) {
  const std::string path = Path("truncated.bin");
  std::string bytes = Records({1, 2, 3});
  bytes.resize(bytes.size() - 3000);  // the last record keeps 73 bytes
  WriteFile(path, bytes);
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path, -1);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              HasSubstr(path + ": 6219 bytes is not a whole number of 3,073-byte records: the "
                               "last record, at byte offset 6146, is truncated (73 bytes of "
                               "3,073)"));
  EXPECT_THAT(split.status().message(), Not(HasSubstr("holds")));  // no expected count given
}

TEST_F(CifarTest, ExtraBytesAfterTheLastRecord) {
  const std::string path = Path("extra.bin");
  WriteFile(path, Records({1, 2}) + "junk!");
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path, 2);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              HasSubstr(path + ": 6151 bytes is not a whole number of 3,073-byte records: the "
                               "last record, at byte offset 6146, is truncated (5 bytes of 3,073)"));
}

TEST_F(CifarTest, CifarHundredFileGetsAHint) {
  const std::string path = Path("test.bin");
  WriteSparseFile(path, int64_t{10000} * 3074);  // CIFAR-100's test.bin
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_FALSE(split.ok());
  EXPECT_THAT(split.status().message(), HasSubstr("CIFAR-100"));
}

TEST_F(CifarTest, TooManyRecords) {
  const std::string path = Path("more.bin");
  WriteFile(path, Records({1, 2, 3}));
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path, 2);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              AllOf(HasSubstr(path + ": too many records: found 3, expected 2: 3,073 extra bytes "
                                     "(1 record) start at byte offset 6146"),
                    HasSubstr("re-download the data (tools/fetch_cifar10.sh)")));
  std::printf("example error: %s\n", split.status().ToString().c_str());
}

TEST_F(CifarTest, TooFewRecords) {
  const std::string path = Path("fewer.bin");
  WriteSparseFile(path, int64_t{9999} * kCifarRecordBytes);
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              AllOf(HasSubstr(path + ": too few records: found 9,999, expected 10,000: the file "
                                     "ends early at byte offset 30726927 (expected 30730000 "
                                     "bytes, 1 record missing)"),
                    HasSubstr("re-download the data (tools/fetch_cifar10.sh)")));
  std::printf("example error: %s\n", split.status().ToString().c_str());
}

TEST_F(CifarTest, LabelOutOfRangeNamesRecordAndOffset) {
  const std::string path = Path("label.bin");
  WriteFile(path, Records({1, 2, 3, 12, 4}));
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path, 5);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              HasSubstr(path + ": record 3 at byte offset 9219: label 12 is outside 0..9"));
}

TEST_F(CifarTest, LabelOutOfRangeInAFullSizeFile) {
  const std::string path = Path("label.bin");
  WriteSparseFile(path, int64_t{kCifarRecordsPerFile} * kCifarRecordBytes);
  PokeByte(path, 3792082, 17);  // record 1234's label
  absl::StatusOr<CifarSplit> split = ReadCifarBatchFile(path);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(split.status().message(),
              AllOf(HasSubstr(path + ": record 1234 at byte offset 3792082: label 17 is outside "
                                     "0..9"),
                    HasSubstr("re-download the data (tools/fetch_cifar10.sh)")));
  std::printf("example error: %s\n", split.status().ToString().c_str());
}

// --- LoadCifar10 ---------------------------------------------------------------------------

LoadCifar10Options SmallFiles(int records_per_file, int64_t train_limit = 0,
                              int64_t test_limit = 0) {
  LoadCifar10Options options;
  options.records_per_file = records_per_file;
  options.train_limit = train_limit;
  options.test_limit = test_limit;
  return options;
}

TEST_F(CifarTest, LoadsSyntheticFolderInFileOrder) {
  const std::string folder = MakeSyntheticFolder("cifar", 4);
  absl::StatusOr<CifarDataset> data = LoadCifar10(folder, SmallFiles(4));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->dir, folder);
  ASSERT_EQ(data->train.size, 20);
  ASSERT_EQ(data->train.images.size(), 20u * kCifarImageBytes);
  ASSERT_EQ(data->train.labels.size(), 20u);
  for (int k = 0; k < 20; ++k) {
    EXPECT_EQ(data->train.labels[k], k % 10) << k;
    for (int j : {0, 1023, 1024, 2048, 3071}) {
      EXPECT_EQ(data->train.images[k * kCifarImageBytes + j], Pixel(k, j)) << k << " " << j;
    }
  }
  ASSERT_EQ(data->test.size, 4);
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(data->test.labels[r], (r + 3) % 10);
    EXPECT_EQ(data->test.images[r * kCifarImageBytes + 5], Pixel(1000 + r, 5));
  }
}

TEST_F(CifarTest, LimitsKeepTheFirstImagesAndSkipUnneededFiles) {
  const std::string folder = MakeSyntheticFolder("cifar", 4);
  // Files past the limit are not read: corrupt data_batch_3.bin.
  WriteFile(folder + "/data_batch_3.bin", Records({1, 42, 3, 4}));
  absl::StatusOr<CifarDataset> data = LoadCifar10(folder, SmallFiles(4, 6, 3));
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->train.size, 6);
  EXPECT_EQ(data->train.images.size(), 6u * kCifarImageBytes);
  EXPECT_EQ(data->train.labels.size(), 6u);
  EXPECT_EQ(data->train.labels[5], 5);
  EXPECT_EQ(data->train.images[5 * kCifarImageBytes + 100], Pixel(5, 100));
  ASSERT_EQ(data->test.size, 3);
  EXPECT_EQ(data->test.labels.size(), 3u);

  // Without the limit the corrupt file is read and reported.
  absl::StatusOr<CifarDataset> all = LoadCifar10(folder, SmallFiles(4));
  ASSERT_FALSE(all.ok());
  EXPECT_THAT(all.status().message(),
              HasSubstr(folder + "/data_batch_3.bin: record 1 at byte offset 3073: label 42"));
}

TEST_F(CifarTest, FilesThatAreReadAreValidatedInFull) {
  const std::string folder = MakeSyntheticFolder("cifar", 4);
  WriteFile(folder + "/data_batch_1.bin", Records({1, 2, 3, 99}));  // bad record past the limit
  absl::StatusOr<CifarDataset> data = LoadCifar10(folder, SmallFiles(4, 2, 0));
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(),
              HasSubstr(folder + "/data_batch_1.bin: record 3 at byte offset 9219: label 99"));
  WriteFile(folder + "/data_batch_1.bin", Records({1, 2, 3, 4, 5}));  // one record too many
  data = LoadCifar10(folder, SmallFiles(4, 2, 0));
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(), HasSubstr("too many records: found 5, expected 4"));
}

TEST_F(CifarTest, TheDefaultFileSizeIsTenThousandRecords) {
  const std::string folder = MakeSyntheticFolder("cifar", 4);
  absl::StatusOr<CifarDataset> data = LoadCifar10(folder, 2, 2);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(),
              HasSubstr("data_batch_1.bin: too few records: found 4, expected 10,000"));
}

TEST_F(CifarTest, LimitLargerThanTheSplit) {
  const std::string folder = MakeSyntheticFolder("cifar", 4);
  absl::StatusOr<CifarDataset> data = LoadCifar10(folder, SmallFiles(4, 21, 0));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(data.status().message(), HasSubstr("train_limit 21 is more than the 20 training"));
  data = LoadCifar10(folder, SmallFiles(4, 0, 5));
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(), HasSubstr("test_limit 5 is more than the 4 test"));
}

TEST_F(CifarTest, MissingFilesAreListedWithTheFolder) {
  const std::string folder = MakeSyntheticFolder("cifar", 4);
  fs::remove(folder + "/data_batch_2.bin");
  fs::remove(folder + "/test_batch.bin");
  // Even a limit that needs only data_batch_1.bin reports the incomplete folder.
  absl::StatusOr<CifarDataset> data = LoadCifar10(folder, SmallFiles(4, 1, 1));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(data.status().message(),
              AllOf(HasSubstr(folder + ": missing data_batch_2.bin, test_batch.bin (2 of 6 files)"),
                    HasSubstr("tools/fetch_cifar10.sh " + folder)));
  std::printf("example error: %s\n", data.status().ToString().c_str());
}

TEST_F(CifarTest, ArchiveSubfolderGetsAHint) {
  const std::string folder = MakeDir("download");
  MakeDir("download/cifar-10-batches-bin");
  absl::StatusOr<CifarDataset> data = LoadCifar10(folder);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(data.status().message(),
              AllOf(HasSubstr("missing data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, "
                              "data_batch_4.bin, data_batch_5.bin, test_batch.bin (6 of 6 files)"),
                    HasSubstr("pass " + folder + "/cifar-10-batches-bin instead")));
}

TEST_F(CifarTest, MissingFolder) {
  absl::StatusOr<CifarDataset> data = LoadCifar10(Path("absent"));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(data.status().message(),
              AllOf(HasSubstr(Path("absent") + ": no such folder"),
                    HasSubstr("tools/fetch_cifar10.sh")));
}

// --- ResolveDataDir ------------------------------------------------------------------------

class ResolveDataDirTest : public CifarTest {
 protected:
  // A folder with an (empty) test_batch.bin: enough for the search.
  std::string MakeDataDir(const std::string& name) {
    const std::string folder = MakeDir(name);
    WriteFile(folder + "/test_batch.bin", "");
    return folder;
  }
};

TEST_F(ResolveDataDirTest, FlagIsRelativeToTheWorkingDirectory) {
  MakeDir("work/data");  // an explicit folder is used as given, even without the files
  MakeDataDir("env");
  DataDirQuery query;
  query.flag_dir = "data";
  query.working_dir = Path("work");
  query.env_dir = Path("env");
  absl::StatusOr<std::string> dir = ResolveDataDir(query);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, Path("work/data"));

  query.flag_dir = Path("env");  // absolute
  dir = ResolveDataDir(query);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, Path("env"));
}

TEST_F(ResolveDataDirTest, MissingFlagDirSaysWhichAndWhere) {
  MakeDataDir("home/.cache/cifarbench/cifar10");  // not used: the flag is explicit
  DataDirQuery query;
  query.flag_dir = "data/c10";
  query.working_dir = Path("work");
  query.home = Path("home");
  absl::StatusOr<std::string> dir = ResolveDataDir(query);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(dir.status().message(),
              AllOf(HasSubstr("--data_dir=data/c10 (resolved to " + Path("work/data/c10") +
                              ", relative to the working directory " + Path("work") +
                              "): no such folder"),
                    HasSubstr("tools/fetch_cifar10.sh")));
  std::printf("example error: %s\n", dir.status().ToString().c_str());
}

TEST_F(ResolveDataDirTest, EnvironmentVariable) {
  MakeDataDir("home/.cache/cifarbench/cifar10");
  MakeDir("somewhere");
  DataDirQuery query;
  query.working_dir = dir_;
  query.env_dir = "somewhere";
  query.home = Path("home");
  absl::StatusOr<std::string> dir = ResolveDataDir(query);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, Path("somewhere"));

  query.env_dir = Path("gone");
  dir = ResolveDataDir(query);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(dir.status().message(), HasSubstr("$CIFAR10_DIR=" + Path("gone") + ": no such folder"));
  std::printf("example error: %s\n", dir.status().ToString().c_str());

  WriteFile(Path("file"), "x");
  query.env_dir = Path("file");
  dir = ResolveDataDir(query);
  ASSERT_FALSE(dir.ok());
  EXPECT_THAT(dir.status().message(), HasSubstr("$CIFAR10_DIR=" + Path("file") + ": not a folder"));
}

TEST_F(ResolveDataDirTest, SharedFolderBesideTheSourceRoot) {
  MakeDir("repo");
  const std::string shared = MakeDataDir("shared/cifar10");
  MakeDataDir("home/.cache/cifarbench/cifar10");
  DataDirQuery query;
  query.working_dir = Path("elsewhere");
  query.source_root = Path("repo");
  query.home = Path("home");
  absl::StatusOr<std::string> dir = ResolveDataDir(query);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, shared);
}

TEST_F(ResolveDataDirTest, HomeCache) {
  MakeDir("repo");
  MakeDir("shared/cifar10");  // no test_batch.bin: passed over
  const std::string cache = MakeDataDir("home/.cache/cifarbench/cifar10");
  DataDirQuery query;
  query.working_dir = dir_;
  query.source_root = Path("repo");
  query.home = Path("home");
  absl::StatusOr<std::string> dir = ResolveDataDir(query);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, cache);
}

TEST_F(ResolveDataDirTest, NothingFoundListsEveryPlace) {
  MakeDir("repo");
  MakeDir("shared/cifar10");
  DataDirQuery query;
  query.working_dir = dir_;
  query.source_root = Path("repo");
  query.home = Path("home");
  absl::StatusOr<std::string> dir = ResolveDataDir(query);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(dir.status().message());
  EXPECT_THAT(message,
              AllOf(HasSubstr("1. --data_dir: not given\n"), HasSubstr("2. $CIFAR10_DIR: not set\n"),
                    HasSubstr("3. " + Path("shared/cifar10") +
                              " (../shared/cifar10 beside the source folder " + Path("repo") +
                              "): no test_batch.bin\n"),
                    HasSubstr("4. " + Path("home/.cache/cifarbench/cifar10") +
                              " (the cache under $HOME, where tools/fetch_cifar10.sh puts it): "
                              "no such folder\n"),
                    HasSubstr("tools/fetch_cifar10.sh DIR"), HasSubstr("--data_dir=DIR"),
                    HasSubstr("CIFAR10_DIR=DIR")));
  EXPECT_LT(message.find("1. "), message.find("2. "));
  EXPECT_LT(message.find("2. "), message.find("3. "));
  EXPECT_LT(message.find("3. "), message.find("4. "));
  std::printf("example error: %s\n", dir.status().ToString().c_str());
}

TEST_F(ResolveDataDirTest, UnknownSourceRootAndHomeAreSkipped) {
  DataDirQuery query;
  query.working_dir = dir_;
  absl::StatusOr<std::string> dir = ResolveDataDir(query);
  ASSERT_FALSE(dir.ok());
  EXPECT_THAT(dir.status().message(),
              AllOf(HasSubstr("3. ../shared/cifar10 beside the source folder: skipped"),
                    HasSubstr("4. $HOME/.cache/cifarbench/cifar10: skipped ($HOME is not set)")));
}

TEST(DataDirQueryFromEnvironmentTest, ReadsTheEnvironment) {
  {
    ScopedEnv env("CIFAR10_DIR", "/data/c10");
    ScopedEnv home("HOME", "/home/me");
    ScopedEnv wd("BUILD_WORKING_DIRECTORY", "/home/me/project");
    ScopedEnv ws("BUILD_WORKSPACE_DIRECTORY", "/src/cifarbench");
    DataDirQuery query = DataDirQueryFromEnvironment("flag", "/compiled/root");
    EXPECT_EQ(query.flag_dir, "flag");
    EXPECT_EQ(query.env_dir, "/data/c10");
    EXPECT_EQ(query.home, "/home/me");
    EXPECT_EQ(query.working_dir, "/home/me/project");
    EXPECT_EQ(query.source_root, "/src/cifarbench");
  }
  {
    ScopedEnv env("CIFAR10_DIR", nullptr);
    ScopedEnv wd("BUILD_WORKING_DIRECTORY", nullptr);
    ScopedEnv ws("BUILD_WORKSPACE_DIRECTORY", nullptr);
    DataDirQuery query = DataDirQueryFromEnvironment("", "/compiled/root");
    EXPECT_EQ(query.env_dir, "");
    EXPECT_EQ(query.working_dir, fs::current_path().string());
    EXPECT_EQ(query.source_root, "/compiled/root");
  }
}

TEST(ResolveUserPathTest, RelativeToTheInvocationFolder) {
  {
    ScopedEnv wd("BUILD_WORKING_DIRECTORY", "/home/me/project");
    EXPECT_EQ(ResolveUserPath("runs/a.json"), "/home/me/project/runs/a.json");
    EXPECT_EQ(ResolveUserPath("/abs/a.json"), "/abs/a.json");
    EXPECT_EQ(ResolveUserPath(""), "");
  }
  {
    ScopedEnv wd("BUILD_WORKING_DIRECTORY", nullptr);
    EXPECT_EQ(ResolveUserPath("a.json"), (fs::current_path() / "a.json").string());
  }
}

// --- The real data -------------------------------------------------------------------------

TEST(CifarRealDataTest, MatchesThePublishedStatistics) {
  CB_REQUIRE_REAL_DATA(real_dir, "tests/core/testdata/cifar/source_root_marker.txt");
  const std::string* dir = &real_dir;
  std::printf("real data: %s\n", dir->c_str());

  absl::StatusOr<CifarDataset> data = LoadCifar10(*dir);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->train.size, 50000);
  ASSERT_EQ(data->test.size, 10000);
  ASSERT_EQ(data->train.images.size(), 50000u * kCifarImageBytes);
  ASSERT_EQ(data->test.images.size(), 10000u * kCifarImageBytes);

  std::array<int, 10> train_counts{}, test_counts{};
  for (uint8_t label : data->train.labels) ++train_counts[label];
  for (uint8_t label : data->test.labels) ++test_counts[label];
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(train_counts[c], 5000) << "class " << c;
    EXPECT_EQ(test_counts[c], 1000) << "class " << c;
  }

  std::array<int64_t, 3> sums{};
  for (int64_t i = 0; i < data->train.size; ++i) {
    for (int c = 0; c < 3; ++c) {
      const uint8_t* plane = data->train.images.data() + i * kCifarImageBytes + c * 1024;
      int64_t s = 0;
      for (int p = 0; p < 1024; ++p) s += plane[p];
      sums[c] += s;
    }
  }
  const double n = 50000.0 * 1024.0;
  EXPECT_NEAR(sums[0] / n, 125.31, 0.01);
  EXPECT_NEAR(sums[1] / n, 122.95, 0.01);
  EXPECT_NEAR(sums[2] / n, 113.87, 0.01);
  std::printf("training mean: %.4f %.4f %.4f\n", sums[0] / n, sums[1] / n, sums[2] / n);

  // A limited load gives the same first images and reads only what it needs.
  absl::StatusOr<CifarDataset> few = LoadCifar10(*dir, 10001, 10);
  ASSERT_TRUE(few.ok()) << few.status();
  ASSERT_EQ(few->train.size, 10001);
  ASSERT_EQ(few->test.size, 10);
  EXPECT_TRUE(std::equal(few->train.images.begin(), few->train.images.end(),
                         data->train.images.begin()));
  EXPECT_TRUE(std::equal(few->test.labels.begin(), few->test.labels.end(),
                         data->test.labels.begin()));
}

}  // namespace
}  // namespace cifarbench
