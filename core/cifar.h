// The CIFAR-10 binary format reader and the data folder search. Free of LibTorch.
//
// Each record is 3,073 bytes: one label byte (0-9), then 1,024 red, 1,024 green and 1,024 blue
// bytes (32x32, row-major). data_batch_1..5.bin hold 10,000 training records each,
// test_batch.bin 10,000 test records.
#ifndef CIFARBENCH_CORE_CIFAR_H_
#define CIFARBENCH_CORE_CIFAR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cifarbench {

inline constexpr int kCifarImageBytes = 3 * 32 * 32;
inline constexpr int kCifarRecordBytes = 1 + kCifarImageBytes;
inline constexpr int kCifarRecordsPerFile = 10000;

struct CifarSplit {
  int64_t size = 0;
  std::vector<uint8_t> images;  // size * 3 * 32 * 32, (N, C, H, W) order as in the files
  std::vector<uint8_t> labels;  // size, each 0..9
};

struct CifarDataset {
  std::string dir;
  CifarSplit train;
  CifarSplit test;
};

// Reads one batch file. Errors name the file and the byte offset that is wrong: a missing or
// unreadable file (NotFound), a size that is not a multiple of 3,073 or not
// `expected_records` records (DataLoss; -1 accepts any whole number of records), a label
// outside 0..9 (DataLoss, with the record index and byte offset).
absl::StatusOr<CifarSplit> ReadCifarBatchFile(const std::string& path,
                                              int64_t expected_records = kCifarRecordsPerFile);

// The same checks and messages on bytes already in memory (`path` names them in messages);
// ReadCifarBatchFile reads the file, then does exactly this. The fuzz target's entry point.
absl::StatusOr<CifarSplit> ParseCifarBatch(std::string_view bytes, const std::string& path,
                                           int64_t expected_records = kCifarRecordsPerFile);

// Loads data_batch_1..5.bin and test_batch.bin from `dir`. `train_limit` / `test_limit` > 0
// keep only the first N images of each split (files past what is needed are not read).
// All six files must exist (a quick check that lists every missing one); a limit larger than
// the split is InvalidArgument. Each file that is read is validated in full.
absl::StatusOr<CifarDataset> LoadCifar10(const std::string& dir, int64_t train_limit = 0,
                                         int64_t test_limit = 0);

// The same with every knob; `records_per_file` lets tests use small synthetic folders.
struct LoadCifar10Options {
  int64_t train_limit = 0;
  int64_t test_limit = 0;
  int64_t records_per_file = kCifarRecordsPerFile;
};
absl::StatusOr<CifarDataset> LoadCifar10(const std::string& dir,
                                         const LoadCifar10Options& options);

// --verify_data: checks every file that `dir`/SHA256SUMS lists (sha256sum's format, as
// tools/fetch_cifar10.sh writes it) and that it lists the six batch files. NotFound when
// SHA256SUMS or a listed file is missing; DataLoss naming the file and both digests when one
// differs (a damaged or half-downloaded copy); InvalidArgument naming SHA256SUMS:line for a
// malformed line. Every message says how to fix it (tools/fetch_cifar10.sh DIR).
absl::Status VerifyCifarChecksums(const std::string& dir);

// Where to look for the data, in order:
//   1. `flag_dir` (--data_dir), relative to `working_dir` when not absolute;
//   2. $CIFAR10_DIR;
//   3. ../shared/cifar10 beside `source_root` (BUILD_WORKSPACE_DIRECTORY under bazel run, the
//      configure-time source folder for CMake binaries; skipped when empty);
//   4. $HOME/.cache/cifarbench/cifar10.
// An explicit --data_dir or $CIFAR10_DIR is used as given (errors come from LoadCifar10);
// otherwise the first candidate holding test_batch.bin wins. FailedPrecondition listing every
// place looked at, and how to get the data (tools/fetch_cifar10.sh), when none has it.
struct DataDirQuery {
  std::string flag_dir;
  std::string working_dir;
  std::string env_dir;      // value of $CIFAR10_DIR ("" when unset)
  std::string source_root;
  std::string home;         // value of $HOME
};
absl::StatusOr<std::string> ResolveDataDir(const DataDirQuery& query);

// Fills a DataDirQuery from the process environment (CIFAR10_DIR, HOME,
// BUILD_WORKING_DIRECTORY or the current directory, BUILD_WORKSPACE_DIRECTORY or
// `compiled_source_root`).
DataDirQuery DataDirQueryFromEnvironment(const std::string& flag_dir,
                                         const std::string& compiled_source_root);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CIFAR_H_
