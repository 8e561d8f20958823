#include "core/cifar.h"


#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/sha256.h"
#include "core/status_macros.h"

namespace cifarbench {
namespace {

constexpr char kFetchHint[] = "re-download the data (tools/fetch_cifar10.sh)";
constexpr char kTestFile[] = "test_batch.bin";

// 30730000 -> "30,730,000".
std::string WithCommas(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string Plural(int64_t n, const char* singular, const char* plural) {
  return absl::StrCat(WithCommas(n), " ", n == 1 ? singular : plural);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || (!name.empty() && name[0] == '/')) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string CurrentDir() {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  return ec ? "" : cwd.string();
}

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// Checks the size of a batch file of `size` bytes against the record layout and
// `expected_records` (< 0: any whole number of records).
absl::Status CheckBatchSize(const std::string& path, int64_t size, int64_t expected_records) {
  const int64_t expected_bytes = expected_records * kCifarRecordBytes;
  const std::string expected_text =
      expected_records >= 0
          ? absl::StrCat("; a CIFAR-10 batch file holds ", WithCommas(expected_records),
                         " records = ", expected_bytes, " bytes")
          : "";
  if (size == 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": the file is empty (0 bytes)", expected_text, "; ", kFetchHint));
  }
  if (size % kCifarRecordBytes != 0) {
    const int64_t last = size - size % kCifarRecordBytes;
    // CIFAR-100's binary files have two label bytes per record.
    const std::string cifar100 =
        size % (kCifarRecordBytes + 1) == 0
            ? "; it is a whole number of 3,074-byte records: is it a CIFAR-100 file? This needs "
              "the CIFAR-10 binary version"
            : "";
    return absl::DataLossError(absl::StrCat(
        path, ": ", size, " bytes is not a whole number of 3,073-byte records: the last record, ",
        "at byte offset ", last, ", is truncated (", WithCommas(size - last), " bytes of 3,073)",
        expected_text, cifar100, "; ", kFetchHint));
  }
  const int64_t records = size / kCifarRecordBytes;
  if (expected_records >= 0 && records < expected_records) {
    return absl::DataLossError(absl::StrCat(
        path, ": too few records: found ", WithCommas(records), ", expected ",
        WithCommas(expected_records), ": the file ends early at byte offset ", size,
        " (expected ", expected_bytes, " bytes, ", Plural(expected_records - records, "record", "records"),
        " missing); ", kFetchHint));
  }
  if (expected_records >= 0 && records > expected_records) {
    return absl::DataLossError(absl::StrCat(
        path, ": too many records: found ", WithCommas(records), ", expected ",
        WithCommas(expected_records), ": ", Plural(size - expected_bytes, "extra byte", "extra bytes"),
        " (", Plural(records - expected_records, "record", "records"),
        ") start at byte offset ", expected_bytes, " (expected ", expected_bytes,
        " bytes, found ", size, "); is this a CIFAR-10 batch file? ", kFetchHint));
  }
  return absl::OkStatus();
}

// Validates the labels of `size` bytes (already size-checked: a whole number of records) and
// appends the first `keep` records (all when keep < 0) to `split`.
absl::Status AppendBatchBytes(const std::string& path, const uint8_t* bytes, int64_t size,
                              int64_t keep, CifarSplit* split) {
  const int64_t records = size / kCifarRecordBytes;
  for (int64_t r = 0; r < records; ++r) {
    const int64_t offset = r * kCifarRecordBytes;
    const int label = bytes[offset];
    if (label > 9) {
      return absl::DataLossError(absl::StrCat(
          path, ": record ", r, " at byte offset ", offset, ": label ", label,
          " is outside 0..9; the file is corrupt or not a CIFAR-10 binary batch; ", kFetchHint));
    }
  }

  const int64_t take = keep < 0 ? records : std::min(keep, records);
  split->images.reserve(split->images.size() + take * kCifarImageBytes);
  split->labels.reserve(split->labels.size() + take);
  for (int64_t r = 0; r < take; ++r) {
    const uint8_t* record = bytes + r * kCifarRecordBytes;
    split->labels.push_back(record[0]);
    split->images.insert(split->images.end(), record + 1, record + kCifarRecordBytes);
  }
  split->size += take;
  return absl::OkStatus();
}

// Reads `path` (one read of the whole file), validates all of it and appends its first `keep`
// records (all when keep < 0) to `split`.
absl::Status AppendBatchFile(const std::string& path, int64_t expected_records, int64_t keep,
                             CifarSplit* split) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  FdCloser closer(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot stat: ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat(
        path, ": not a regular file", S_ISDIR(st.st_mode) ? " (it is a folder)" : "",
        "; expected a CIFAR-10 binary batch file"));
  }
  const int64_t size = st.st_size;
  CB_RETURN_IF_ERROR(CheckBatchSize(path, size, expected_records));

  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  int64_t done = 0;
  while (done < size) {  // one read(2) for a regular file; the loop only guards short reads
    const ssize_t n = read(fd, bytes.data() + done, static_cast<size_t>(size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::DataLossError(absl::StrCat(path, ": read error at byte offset ", done, ": ",
                                              std::strerror(errno), "; ", kFetchHint));
    }
    if (n == 0) {
      return absl::DataLossError(absl::StrCat(
          path, ": the file ends early at byte offset ", done, " while reading its ", size,
          " bytes (was it changed while being read?)"));
    }
    done += n;
  }

  return AppendBatchBytes(path, bytes.data(), size, keep, split);
}

// What stat() says about `path` as a folder: "" when it is one, else why not.
std::string FolderProblem(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return errno == ENOENT || errno == ENOTDIR ? "no such folder"
                                               : absl::StrCat("cannot access: ", std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return "not a folder";
  return "";
}

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

absl::Status LoadSplit(const std::string& dir, const std::vector<std::string>& files,
                       int64_t records_per_file, int64_t limit, const char* split_name,
                       const char* limit_name, CifarSplit* split) {
  const int64_t total = records_per_file * static_cast<int64_t>(files.size());
  if (limit > total) {
    return absl::InvalidArgumentError(absl::StrCat(
        limit_name, " ", WithCommas(limit), " is more than the ", WithCommas(total), " ",
        split_name, " images; use at most ", WithCommas(total), " (0 keeps all)"));
  }
  const int64_t want = limit > 0 ? limit : total;
  split->images.reserve(want * kCifarImageBytes);
  split->labels.reserve(want);
  for (const std::string& name : files) {
    const int64_t remaining = want - split->size;
    if (remaining <= 0) break;  // later files are not needed: not read
    CB_RETURN_IF_ERROR(AppendBatchFile(JoinPath(dir, name), records_per_file,
                                       std::min(remaining, records_per_file), split));
  }
  return absl::OkStatus();
}

// A place ResolveDataDir looks at when nothing explicit is given.
struct Candidate {
  std::string path;
  std::string what;  // how the path was derived
  std::string skipped;  // non-empty: why it was not even looked at
};

// Checks an explicit --data_dir / $CIFAR10_DIR: it must exist as a folder.
absl::StatusOr<std::string> ExplicitDir(const std::string& given, const std::string& name,
                                        const std::string& working_dir) {
  const bool relative = given[0] != '/';
  const std::string resolved = relative ? JoinPath(working_dir, given) : given;
  const std::string problem = FolderProblem(resolved);
  if (problem.empty()) return resolved;
  std::string where;
  if (relative) {
    where = working_dir.empty()
                ? " (relative to the current directory)"
                : absl::StrCat(" (resolved to ", resolved, ", relative to the working directory ",
                               working_dir, ")");
  }
  const std::string message = absl::StrCat(
      name, "=", given, where, ": ", problem,
      "; pass the folder that holds data_batch_1..5.bin and test_batch.bin, or get the data with "
      "tools/fetch_cifar10.sh ",
      resolved, " (on a machine with internet access)");
  if (problem == "no such folder") return absl::NotFoundError(message);
  return absl::FailedPreconditionError(message);
}

}  // namespace

absl::StatusOr<CifarSplit> ParseCifarBatch(std::string_view bytes, const std::string& path,
                                           int64_t expected_records) {
  CifarSplit split;
  const int64_t size = static_cast<int64_t>(bytes.size());
  CB_RETURN_IF_ERROR(CheckBatchSize(path, size, expected_records));
  CB_RETURN_IF_ERROR(AppendBatchBytes(path, reinterpret_cast<const uint8_t*>(bytes.data()), size,
                                      /*keep=*/-1, &split));
  return split;
}

absl::StatusOr<CifarSplit> ReadCifarBatchFile(const std::string& path, int64_t expected_records) {
  CifarSplit split;
  CB_RETURN_IF_ERROR(AppendBatchFile(path, expected_records, /*keep=*/-1, &split));
  return split;
}

absl::StatusOr<CifarDataset> LoadCifar10(const std::string& dir, int64_t train_limit,
                                         int64_t test_limit) {
  LoadCifar10Options options;
  options.train_limit = train_limit;
  options.test_limit = test_limit;
  return LoadCifar10(dir, options);
}

absl::StatusOr<CifarDataset> LoadCifar10(const std::string& dir,
                                         const LoadCifar10Options& options) {
  if (options.records_per_file <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("records_per_file must be positive, got ", options.records_per_file));
  }
  const std::string folder_problem = FolderProblem(dir);
  if (!folder_problem.empty()) {
    return absl::NotFoundError(absl::StrCat(
        dir, ": ", folder_problem,
        "; expected the CIFAR-10 folder holding data_batch_1..5.bin and test_batch.bin: get it "
        "with tools/fetch_cifar10.sh DIR on a machine with internet access, then pass "
        "--data_dir=DIR or set CIFAR10_DIR=DIR"));
  }

  const std::vector<std::string> train_files = {"data_batch_1.bin", "data_batch_2.bin",
                                                "data_batch_3.bin", "data_batch_4.bin",
                                                "data_batch_5.bin"};
  const std::vector<std::string> test_files = {kTestFile};
  std::vector<std::string> missing;
  for (const auto* files : {&train_files, &test_files}) {
    for (const std::string& name : *files) {
      if (!Exists(JoinPath(dir, name))) missing.push_back(name);
    }
  }
  if (!missing.empty()) {
    std::string hint;
    if (FolderProblem(JoinPath(dir, "cifar-10-batches-bin")).empty()) {
      hint = absl::StrCat("; it has a cifar-10-batches-bin/ subfolder: pass ",
                          JoinPath(dir, "cifar-10-batches-bin"), " instead");
    } else if (Exists(JoinPath(dir, "data_batch_1"))) {
      hint = "; it holds data_batch_1 without .bin, the Python (pickle) version: the binary "
             "version (cifar-10-binary.tar.gz) is needed";
    }
    return absl::NotFoundError(absl::StrCat(
        dir, ": missing ", absl::StrJoin(missing, ", "), " (", missing.size(), " of 6 files)",
        hint,
        "; a CIFAR-10 folder holds data_batch_1..5.bin and test_batch.bin: get them with "
        "tools/fetch_cifar10.sh ",
        dir, " on a machine with internet access"));
  }

  CifarDataset dataset;
  dataset.dir = dir;
  CB_RETURN_IF_ERROR(LoadSplit(dir, train_files, options.records_per_file, options.train_limit,
                               "training", "train_limit", &dataset.train));
  CB_RETURN_IF_ERROR(LoadSplit(dir, test_files, options.records_per_file, options.test_limit,
                               "test", "test_limit", &dataset.test));
  return dataset;
}

absl::StatusOr<std::string> ResolveDataDir(const DataDirQuery& query) {
  if (!query.flag_dir.empty()) {
    return ExplicitDir(query.flag_dir, "--data_dir", query.working_dir);
  }
  if (!query.env_dir.empty()) {
    return ExplicitDir(query.env_dir, "$CIFAR10_DIR", query.working_dir);
  }

  std::vector<Candidate> candidates;
  if (query.source_root.empty()) {
    candidates.push_back({"../shared/cifar10 beside the source folder", "",
                          "skipped (the source folder is unknown)"});
  } else {
    std::filesystem::path p =
        (std::filesystem::path(query.source_root) / ".." / "shared" / "cifar10").lexically_normal();
    std::string path = p.string();
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    candidates.push_back(
        {path, absl::StrCat("../shared/cifar10 beside the source folder ", query.source_root), ""});
  }
  if (query.home.empty()) {
    candidates.push_back(
        {"$HOME/.cache/cifarbench/cifar10", "", "skipped ($HOME is not set)"});
  } else {
    candidates.push_back({JoinPath(query.home, ".cache/cifarbench/cifar10"),
                          "the cache under $HOME, where tools/fetch_cifar10.sh puts it", ""});
  }

  std::vector<std::string> looked = {"1. --data_dir: not given", "2. $CIFAR10_DIR: not set"};
  for (const Candidate& c : candidates) {
    const std::string number = absl::StrCat(looked.size() + 1, ". ");
    if (!c.skipped.empty()) {
      looked.push_back(absl::StrCat(number, c.path, ": ", c.skipped));
      continue;
    }
    std::string problem = FolderProblem(c.path);
    if (problem.empty() && !IsFile(JoinPath(c.path, kTestFile))) {
      problem = absl::StrCat("no ", kTestFile);
    }
    if (problem.empty()) return c.path;
    looked.push_back(absl::StrCat(number, c.path, " (", c.what, "): ", problem));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "CIFAR-10 data not found; looked at, in order:\n  ", absl::StrJoin(looked, "\n  "),
      "\nTo get the data, run tools/fetch_cifar10.sh DIR on a machine with internet access "
      "(DIR defaults to ~/.cache/cifarbench/cifar10, which is searched automatically; copy DIR "
      "here if that machine is another one), then pass --data_dir=DIR or set CIFAR10_DIR=DIR."));
}

DataDirQuery DataDirQueryFromEnvironment(const std::string& flag_dir,
                                         const std::string& compiled_source_root) {
  DataDirQuery query;
  query.flag_dir = flag_dir;
  query.env_dir = GetEnv("CIFAR10_DIR");
  query.home = GetEnv("HOME");
  query.working_dir = GetEnv("BUILD_WORKING_DIRECTORY");
  if (query.working_dir.empty()) query.working_dir = CurrentDir();
  query.source_root = GetEnv("BUILD_WORKSPACE_DIRECTORY");
  if (query.source_root.empty()) query.source_root = compiled_source_root;
  return query;
}

absl::Status VerifyCifarChecksums(const std::string& dir) {
  const std::string sums_path = dir + "/SHA256SUMS";
  const std::string fix = "; fetch a fresh copy with tools/fetch_cifar10.sh " + dir;
  std::ifstream sums(sums_path);
  if (!sums) {
    return absl::NotFoundError(absl::StrCat(sums_path, ": no checksum list (--verify_data needs "
                                            "the SHA256SUMS that tools/fetch_cifar10.sh writes)",
                                            fix));
  }
  std::set<std::string> listed;
  std::string line;
  for (int line_no = 1; std::getline(sums, line); ++line_no) {
    if (line.empty()) continue;
    // "<64 hex>  <name>" (or " *<name>", binary mode).
    if (line.size() < 67 || line[64] != ' ' ||
        line.find_first_not_of("0123456789abcdef") < 64) {
      return absl::InvalidArgumentError(absl::StrCat(
          sums_path, ":", line_no, ": not a sha256sum line ('<64 hex digits>  <file>')", fix));
    }
    const std::string want = line.substr(0, 64);
    std::string name = line.substr(66);
    if (line[65] != ' ' && line[65] != '*') {
      return absl::InvalidArgumentError(absl::StrCat(
          sums_path, ":", line_no, ": not a sha256sum line ('<64 hex digits>  <file>')", fix));
    }
    const std::string path = dir + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat(path, ": listed in ", sums_path, ":", line_no, " but missing", fix));
    }
    Sha256 hasher;
    std::vector<char> buf(1 << 20);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      hasher.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
    }
    const std::array<uint8_t, 32> digest = hasher.Finish();
    std::string got;
    for (uint8_t b : digest) absl::StrAppend(&got, absl::Hex(b, absl::kZeroPad2));
    if (got != want) {
      return absl::DataLossError(absl::StrCat(path, ": sha256 ", got, " but ", sums_path, ":",
                                              line_no, " says ", want,
                                              " (a damaged or partly downloaded file)", fix));
    }
    listed.insert(name);
  }
  for (const char* f : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                        "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}) {
    if (!listed.count(f)) {
      return absl::NotFoundError(
          absl::StrCat(sums_path, " does not list ", f, ", so it cannot be verified", fix));
    }
  }
  return absl::OkStatus();
}

}  // namespace cifarbench
