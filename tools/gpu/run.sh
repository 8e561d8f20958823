#!/usr/bin/env bash
# Builds, tests and benchmarks cifarbench on an offline GPU machine that has a pip-installed
# PyTorch (CUDA), python3, cmake, ninja (or make) and g++, from a bundle made by
# tools/gpu/bundle.sh, and packs the results into one tarball. Run it from the source tree:
#
#   tools/gpu/run.sh --bundle=DIR --out=OUT_DIR [--torch_prefix=PATH] [--device=cuda|cuda:N|cpu]
#                    [--build_dir=DIR] [--recipes=NAME[:RUNS],...] [--jobs=N] [--ctest_regex=RE]
#                    [--steps=build,data,ctest,bench] [--profile] [--dry_run] [--prebuilt=auto|off]
#                    [--targets=T1,T2,...] [--peers=DIR] [--peers_runs=NAME:RUNS,...]
#                    [--peers_args=ARGS] [--compare_with=DIR] [--time_limit=S]
#
#   --bundle=DIR        the folder bundle.sh wrote (debs/, data/), or one of its calls/N/
#                       (the same, staged for a device call that carries at most 64 MiB)
#   --out=OUT_DIR       results; its reports/, logs/ and summary files are replaced, earlier
#                       tarballs are kept
#   --torch_prefix=P    LibTorch's CMake prefix; default: python3's torch.utils.cmake_prefix_path
#   --device=D          cuda (default), cuda:N or cpu
#   --build_dir=DIR     default: build-gpu/ in the source tree; the .debs are unpacked into
#                       DIR/bundle-prefix (never into /) and the data into DIR/cifar10
#   --recipes=LIST      NAME:RUNS (or NAME: the recipe's own runs), comma separated; default:
#                       every shipped recipe but the *_smoke ones (bench --list), hlb_record with
#                       10 runs and the others with 1
#   --jobs=N            build and ctest parallelism (default: nproc)
#   --ctest_regex=RE    run only the tests matching RE (default: all of them, GPU ones included)
#   --steps=LIST        which of unpack, data, ctest, bench and peers to run after the build
#                       (always done, and a no-op when up to date); default build,data,ctest,
#                       bench. data unpacks and verifies every batch (those already unpacked
#                       into the build folder are kept); unpack only those this bundle holds.
#                       The Debian packages are unpacked once each (a later call need not carry
#                       them again), and a build needs all of them. A device call carries at
#                       most 64 MiB, so bundle.sh stages the bundle as calls/1, calls/2,
#                       calls/3 (57, 51 and 45 MiB with the source tree, 2026-12-07) and
#                       calls/later: --bundle=calls/1 --steps=build,unpack,ctest, then calls/2
#                       --steps=unpack, then calls/3 --steps=build,data,bench, and calls/later
#                       for any further call (docs/benchmarks.md)
#   --profile           also profile each recipe: one extra untimed run under LibTorch's
#                       profiler (bench --profile), summarised in reports/NAME.profile.md
#   --prebuilt=auto|off auto (default): when the bundle holds binaries built on a CPU machine
#                       (bundle.sh --prebuilt=BUILD_DIR; tools/gpu/prebuilt.sh), use them instead
#                       of building, if they fit this machine (same torch version and C++ ABI,
#                       glibc and libstdc++ new enough, every library found); otherwise say why
#                       and build here. off: always build here
#   --targets=LIST      build only these CMake targets (and what they need), e.g.
#                       bench,gpu_test; default: all of them
#   --peers=DIR         after cifarbench's recipes (or without them: --steps=build,data,peers)
#                       run the Python originals from the checkouts in DIR (docs/peers.md:
#                       hlb-CIFAR10/, cifar10-airbench/, cifar10-speedrun/; a missing one is
#                       skipped and said) with tools/peers/peers.py, in --peers_runs' order,
#                       each capped by --peer_timeout and --time_limit (hiverge only with 4
#                       minutes left). Each report is peers/NAME.python.json, its log
#                       logs/peers-NAME.log;
#                       summary.md gets bench/compare's comparison of each with cifarbench's
#                       reports/NAME.json (or --compare_with's): accuracy, time ratio on the
#                       original's own timed region, charts in peers/NAME/
#   --peers_runs=LIST   NAME:RUNS for the originals (default hlb_record:5,airbench94_muon:10,
#                       hiverge_record:10); a recipe not listed is not run
#   --peers_args=ARGS   extra arguments for every `peers.py run` (space separated; the CPU
#                       test's reduced recipe: --epochs=2.1 --widths=8,32,64 --skip_data_cache)
#   --compare_with=DIR  cifarbench reports (NAME.json) of an earlier call, e.g. its
#                       OUT_DIR/reports, for the originals of a call that runs only them
#                       (--steps=build,data,peers); this call's own reports/NAME.json come first
#   --time_limit=S      the whole script's budget in seconds (a GPU lease's remaining time):
#                       each original gets a --timeout that ends 30 s before it, one with less
#                       than 90 s left is skipped, and hiverge is skipped with less than 240 s
#                       left. 0 (default): no limit
#   --peer_timeout=S    each original's own cap in seconds, with or without --time_limit (the
#                       smaller applies; default 900: airbench94_muon's torch.compile warm-up
#                       took 232-270 s on an H200, its 10 runs 311 s in all); 0: none
#   --dry_run           stop before the benchmarks, printing their commands (after the build,
#                       which the recipe list needs)
#
# Steps: tools, Debian packages, CIFAR-10, LibTorch, configure, build, ctest, benchmarks,
# summary, pack. OUT_DIR ends up with reports/NAME.json (bench reports), summary.md, table.txt,
# logs/ (configure, build tail, ctest, one per benchmark), cmake-settings.txt, nvidia-smi.txt,
# run.txt and cifarbench-results-<date>-<card>.tar.gz holding all of them. The last lines
# printed are the table: recipe | runs | step mode | headline accuracy mean ± std | train_s mean |
# time_to_result_s mean | TFLOP/s | card.
# A failing step stops the run (a failing recipe only once the others have run), is named, and
# the tarball is still packed with what there is.
set -euo pipefail

prog="run.sh"
source_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
gpu_tools="$source_root/tools/gpu"
command_line="tools/gpu/run.sh$(printf ' %q' "$@")"

step="arguments"
step_times=()
section() {
  [[ "$step" == arguments ]] || step_times+=("$(printf '%-22s %5ss' "$step" $((SECONDS - step_start)))")
  step="$1"
  step_start=$SECONDS
  printf '\n==== %s ====\n' "$1"
}
die() {
  echo "$prog: error in step '$step': $*" >&2
  exit 1
}
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

bundle="" out="" torch_prefix="" device="cuda" build_dir="" recipes_arg="" ctest_regex=""
dry_run=false
profile=false
prebuilt_mode=auto
targets=""
torch_lib=""
peers_dir="" peers_runs="hlb_record:5,airbench94_muon:10,hiverge_record:10" peers_args="" time_limit=0
peer_timeout=900
compare_with=""
steps="build,data,ctest,bench"
jobs="$(nproc 2>/dev/null || echo 4)"
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --bundle=*) bundle="${arg#*=}" ;;
    --out=*) out="${arg#*=}" ;;
    --torch_prefix=*) torch_prefix="${arg#*=}" ;;
    --device=*) device="${arg#*=}" ;;
    --build_dir=*) build_dir="${arg#*=}" ;;
    --recipes=*) recipes_arg="${arg#*=}" ;;
    --jobs=*) jobs="${arg#*=}" ;;
    --ctest_regex=*) ctest_regex="${arg#*=}" ;;
    --steps=*) steps="${arg#*=}" ;;
    --dry_run) dry_run=true ;;
    --profile) profile=true ;;
    --prebuilt=auto | --prebuilt=off) prebuilt_mode="${arg#*=}" ;;
    --targets=*) targets="${arg#*=}" ;;
    --peers=*) peers_dir="${arg#*=}" ;;
    --peers_runs=*) peers_runs="${arg#*=}" ;;
    --peers_args=*) peers_args="${arg#*=}" ;;
    --time_limit=*) time_limit="${arg#*=}" ;;
    --peer_timeout=*) peer_timeout="${arg#*=}" ;;
    --compare_with=*) compare_with="${arg#*=}" ;;
    *) echo "$prog: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done
bad_usage() {
  echo "$prog: $*" >&2
  exit 2
}
[[ -n "$bundle" && -n "$out" ]] || bad_usage "--bundle=DIR and --out=OUT_DIR are required (see --help)"
[[ ! "$out" -ef "$source_root" ]] || bad_usage "--out must not be the source tree (its reports/ and logs/ are replaced)"
[[ "$device" =~ ^(cpu|cuda|cuda:[0-9]+)$ ]] || bad_usage "--device must be cuda, cuda:N or cpu, got '$device'"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || bad_usage "--jobs must be a positive number, got '$jobs'"
[[ "$steps" =~ ^(build|unpack|data|ctest|bench|peers)(,(build|unpack|data|ctest|bench|peers))*$ ]] ||
  bad_usage "--steps must be a comma-separated list of build, unpack, data, ctest, bench, peers; got '$steps'"
[[ -z "$targets" || "$targets" =~ ^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$ ]] ||
  bad_usage "--targets must be a comma-separated list of CMake target names, got '$targets'"
[[ "$time_limit" =~ ^[0-9]+$ ]] || bad_usage "--time_limit must be a number of seconds, got '$time_limit'"
[[ "$peer_timeout" =~ ^[0-9]+$ ]] || bad_usage "--peer_timeout must be a number of seconds, got '$peer_timeout'"
[[ "$peers_runs" =~ ^(hlb_record|airbench94_muon|airbench94|hiverge_record):[1-9][0-9]*(,(hlb_record|airbench94_muon|airbench94|hiverge_record):[1-9][0-9]*)*$ ]] ||
  bad_usage "--peers_runs must be NAME:RUNS,... with NAME one of hlb_record, airbench94_muon, airbench94, hiverge_record; got '$peers_runs'"
if [[ -n "$peers_dir" ]]; then
  [[ -d "$peers_dir" ]] || bad_usage "--peers=$peers_dir is not a folder"
  peers_dir="$(cd "$peers_dir" && pwd -P)"
fi
want_step() { [[ ",$steps," == *",$1,"* ]]; }
if { want_step bench || want_step peers; } && ! want_step data; then
  bad_usage "--steps: bench and peers need data (they read the unpacked batches)"
fi
# The originals run with --peers after the benchmarks, or alone with the peers step.
run_peers=false
if [[ -n "$peers_dir" ]]; then
  { want_step bench || want_step peers; } ||
    bad_usage "--peers=DIR, but --steps=$steps has neither bench nor peers"
  run_peers=true
elif want_step peers; then
  bad_usage "--steps: peers needs --peers=DIR (the checkouts of the originals)"
fi
if [[ -n "$compare_with" ]]; then
  [[ -d "$compare_with" ]] || bad_usage "--compare_with=$compare_with is not a folder"
  compare_with="$(cd "$compare_with" && pwd -P)"
fi
[[ -d "$bundle/debs" ]] || bad_usage "--bundle=$bundle has no debs/ (made by tools/gpu/bundle.sh?)"
! { want_step data || want_step unpack; } || [[ -d "$bundle/data" ]] ||
  bad_usage "--bundle=$bundle has no data/ (made by tools/gpu/bundle.sh?)"
requested=()  # NAME:RUNS, RUNS empty for the recipe's own
if [[ -n "$recipes_arg" ]]; then
  IFS=',' read -r -a items <<<"$recipes_arg"
  for item in "${items[@]}"; do
    [[ "$item" =~ ^[A-Za-z0-9_]+(:[1-9][0-9]*)?$ ]] ||
      bad_usage "--recipes: '$item' is not NAME or NAME:RUNS (RUNS >= 1)"
    [[ "$item" == *:* ]] || item="$item:"
    requested+=("$item")
  done
fi

bundle="$(cd "$bundle" && pwd -P)"
mkdir -p "$out"
out="$(cd "$out" && pwd -P)"
build_dir="${build_dir:-$source_root/build-gpu}"
mkdir -p "$build_dir"
build_dir="$(cd "$build_dir" && pwd -P)"
prefix="$build_dir/bundle-prefix"
data="$build_dir/cifar10"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
rm -rf -- "$out/reports" "$out/logs" "$out/peers"
rm -f -- "$out"/{summary.md,table.txt,cmake-settings.txt,nvidia-smi.txt,run.txt}
mkdir -p "$out/reports" "$out/logs"

# ---- Packing (also after a failure, so that the logs come back) ----------------------------
card_slug() {
  local card=""
  if compgen -G "$out/reports/*.json" >/dev/null; then
    card="$(python3 "$gpu_tools/summarize.py" --card "$out"/reports/*.json 2>/dev/null || true)"
  fi
  [[ -n "$card" ]] || card="$device"
  printf '%s' "$card" | tr -cs 'A-Za-z0-9._' '-' | sed 's/^-*//; s/-*$//'
}
pack() {
  local status="$1" name
  name="cifarbench-results-$(date -u +%Y%m%d-%H%M%S)-$(card_slug)"
  {
    echo "command:  $command_line"
    echo "status:   $status"
    echo "started:  $started"
    echo "finished: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host:     $(uname -n) ($(uname -sr))"
    echo "source:   $source_root"
    if git -C "$source_root" rev-parse HEAD >/dev/null 2>&1; then
      echo "revision: $(git -C "$source_root" rev-parse HEAD)$(
        [[ -z "$(git -C "$source_root" status --porcelain --untracked-files=no 2>/dev/null)" ]] || echo ' (modified)')"
    else
      echo "revision: unknown (no .git in the source tree)"
    fi
    echo "device:   $device"
    echo "torch:    ${torch_prefix:-?} ${torch_info:-}"
    echo "binaries: ${binaries:-not decided}"
    echo "steps (seconds):"
    printf '  %s\n' "${step_times[@]}"
    echo
    echo "bundle ($bundle):"
    sed 's/^/  /' "$bundle/bundle.txt" 2>/dev/null || echo "  (no bundle.txt)"
  } >"$out/run.txt"
  # Paths of this machine's folders as names, so that the results read the same wherever they
  # were made (the results, build, source, bundle and --peers folders and the torch package;
  # longest first, as one may begin with another).
  local torch_pkg="" sed_args=() t
  [[ -z "$torch_lib" ]] || torch_pkg="$(dirname "$torch_lib")"
  while IFS=$'\t' read -r _ t; do
    sed_args+=(-e "s#${t%$'\x1f'*}#${t#*$'\x1f'}#g")
  done < <(for t in "$out"$'\x1f''<out>' "$build_dir"$'\x1f''<build>' "$source_root"$'\x1f''<source tree>' \
             "$bundle"$'\x1f''<bundle>' ${peers_dir:+"$peers_dir"$'\x1f''<peers>'} \
             ${torch_pkg:+"$torch_pkg"$'\x1f''<torch package>'}; do
             p="${t%$'\x1f'*}"; [[ ${#p} -gt 1 ]] && printf '%d\t%s\n' "${#p}" "$t"
           done | sort -rn)
  for t in "$out"/{reports,logs,peers}/* "$out"/{reports,logs,peers}/*/* "$out"/*.{md,txt}; do
    [[ -f "$t" && "$t" =~ \.(json|md|txt|log)$ ]] && sed -i "${sed_args[@]}" "$t"
  done
  local items=() f
  for f in reports logs peers summary.md table.txt cmake-settings.txt nvidia-smi.txt run.txt; do
    [[ -e "$out/$f" ]] && items+=("$f")
  done
  tar -czf "$out/$name.tar.gz" -C "$out" --transform "s,^,$name/," "${items[@]}"
  tarball="$out/$name.tar.gz"
}
on_exit() {
  local rc=$?
  trap - EXIT
  [[ $rc -eq 0 || "$step" == arguments ]] && exit "$rc"
  step_times+=("$(printf '%-22s %5ss (failed)' "$step" $((SECONDS - step_start)))")
  pack "FAILED in step '$step' (exit $rc)" 2>/dev/null || true
  echo >&2
  echo "$prog: FAILED in step '$step' (exit $rc); logs: $out/logs${tarball:+, packed in $tarball}" >&2
  exit "$rc"
}
trap on_exit EXIT

# ------------------------------------------------------------------------------------------
section "tools"
for tool in cmake python3 xz sha256sum tar; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed"
done
cxx="${CXX:-g++}"
command -v "$cxx" >/dev/null 2>&1 || die "no C++ compiler ($cxx; set CXX for another)"
generator="Unix Makefiles"
command -v ninja >/dev/null 2>&1 && generator="Ninja"
[[ "$generator" == Ninja ]] || command -v make >/dev/null 2>&1 || die "neither ninja nor make"
# An existing build folder keeps its generator (CMake refuses to switch).
cached_generator="$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)"
[[ -z "$cached_generator" ]] || generator="$cached_generator"
echo "source:    $source_root"
echo "build:     $build_dir ($generator, $jobs jobs)"
echo "out:       $out"
cmake --version | sed -n 1p
"$cxx" --version | sed -n 1p
python3 --version
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || true
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
elif [[ "$device" == cuda* ]]; then
  echo "warning: no nvidia-smi on PATH (the reports will lack the card's name and driver)" >&2
fi

# ------------------------------------------------------------------------------------------
section "Debian packages"
echo "unpack into $prefix"
[[ -f "$bundle/debs/SHA256SUMS" ]] || die "$bundle/debs has no SHA256SUMS (made by tools/gpu/bundle.sh?)"
# The .debs this call carries (a staged call carries some or none: calls/N of bundle.sh).
if compgen -G "$bundle/debs/*.deb" >/dev/null; then
  (cd "$bundle/debs" && sha256sum --quiet --ignore-missing -c SHA256SUMS) ||
    die "$bundle/debs: a .deb does not match SHA256SUMS (damaged copy?)"
fi
# Each package is unpacked once; unpacked/NAME holds its sha256 (a prefix of an older layout, or
# of another bundle's packages, is started afresh).
[[ ! -f "$prefix/.bundle-debs.sha256" ]] || rm -rf -- "$prefix"
mkdir -p "$prefix/.unpacked"
missing_debs=()
while read -r sum deb; do
  if [[ "$(cat "$prefix/.unpacked/$deb" 2>/dev/null)" == "$sum" ]]; then
    echo "$deb: already unpacked"
    continue
  fi
  if [[ ! -f "$bundle/debs/$deb" ]]; then
    echo "$deb: not in this call's bundle (yet)"
    missing_debs+=("$deb")
    continue
  fi
  echo "unpack $deb"
  if command -v dpkg-deb >/dev/null 2>&1; then
    dpkg-deb -x "$bundle/debs/$deb" "$prefix"
  else
    # No dpkg (not a Debian-family machine): a .deb is an ar archive holding data.tar.*.
    member="$(ar t "$bundle/debs/$deb" | grep '^data\.tar')" || die "$deb holds no data.tar"
    ar p "$bundle/debs/$deb" "$member" >"$prefix/$member"
    tar -xf "$prefix/$member" -C "$prefix"
    rm -f -- "$prefix/$member"
  fi
  echo "$sum" >"$prefix/.unpacked/$deb"
done <"$bundle/debs/SHA256SUMS"
libdir="$prefix/usr/lib/$(uname -m)-linux-gnu"
protobuf_lib="$(find "$prefix/usr/lib" -name 'libprotobuf.so.*' -print -quit 2>/dev/null || true)"
[[ -z "$protobuf_lib" ]] || libdir="$(dirname "$protobuf_lib")"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
# Needed when building here (configure checks it); prebuilt binaries need only the libraries.
protoc="$prefix/usr/bin/protoc"
need_build_packages() {
  [[ ${#missing_debs[@]} -eq 0 ]] ||
    die "building here needs every package of the bundle; not unpacked yet: ${missing_debs[*]} (carry the bundle's debs/ in this call, e.g. calls/2's)"
  [[ -x "$protoc" && -n "$protobuf_lib" ]] || die "the bundle has no protoc or libprotobuf"
  local v
  v="$("$protoc" --version 2>&1)" ||
    die "the bundle's protoc does not run here ($v). Its libraries are Debian 12's: \
they need glibc >= 2.34 and the libstdc++ of GCC >= 11 on this machine"
  echo "$v"
}

# ------------------------------------------------------------------------------------------
if want_step data || want_step unpack; then
section "CIFAR-10"
echo "unpack into $data and verify"
mkdir -p "$data"
cp "$bundle/data/SHA256SUMS" "$data/SHA256SUMS"
while read -r sum file; do
  if [[ -f "$data/$file" && "$(sha256sum "$data/$file" | cut -d' ' -f1)" == "$sum" ]]; then
    echo "$file: OK (already unpacked)"
    continue
  fi
  if [[ ! -f "$bundle/data/$file.xz" ]]; then
    # unpack (a staged call): what this call carries; data: every batch must be there.
    want_step data || { echo "$file: not in this call's bundle (yet)"; continue; }
    die "the bundle has no data/$file.xz, and $data/$file is not unpacked yet"
  fi
  xz -dc -- "$bundle/data/$file.xz" >"$data/$file.tmp" || die "cannot decompress data/$file.xz"
  [[ "$(sha256sum "$data/$file.tmp" | cut -d' ' -f1)" == "$sum" ]] ||
    die "data/$file.xz does not unpack to the sha256 in the bundle's SHA256SUMS (damaged copy?)"
  mv -- "$data/$file.tmp" "$data/$file"
  echo "$file: OK"
done <"$bundle/data/SHA256SUMS"
fi

# ------------------------------------------------------------------------------------------
section "LibTorch"
torch_info=""
if python3 -c 'import torch' >/dev/null 2>&1; then
  torch_info="$(python3 -c 'import torch
print("pip torch %s, CUDA %s, GPU available: %s, cxx11 ABI: %s" % (torch.__version__,
      torch.version.cuda, torch.cuda.is_available(), torch.compiled_with_cxx11_abi()))')"
  echo "$torch_info"
  if [[ -z "$torch_prefix" ]]; then
    torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
    if [[ "$device" == cuda* ]] && [[ "$torch_info" != *"GPU available: True"* ]]; then
      die "--device=$device, but python3's torch sees no GPU ($torch_info)"
    fi
  fi
fi
[[ -n "$torch_prefix" ]] || die "python3 has no torch module: pass --torch_prefix=PATH"
[[ -d "$torch_prefix" ]] || die "--torch_prefix=$torch_prefix is not a folder"
echo "torch prefix: $torch_prefix"

# ------------------------------------------------------------------------------------------
# The prebuilt binaries, when the bundle has them and they fit this machine.
use_prebuilt=false
binaries="built here"
prebuilt_dir="$build_dir/prebuilt"
torch_lib=""
for d in "$torch_prefix/../../lib" "$torch_prefix/../.."; do
  [[ -f "$d/libc10.so" ]] && { torch_lib="$(cd "$d" && pwd -P)"; break; }
done
if [[ -f "$bundle/prebuilt/cifarbench-prebuilt.tar.xz" ]]; then
  section "prebuilt binaries"
  if [[ "$prebuilt_mode" == off ]]; then
    binaries="built here (--prebuilt=off)"
  elif [[ -z "$torch_lib" ]]; then
    binaries="built here (no LibTorch lib/ with libc10.so found from $torch_prefix)"
  else
    rm -rf -- "$prebuilt_dir"
    mkdir -p "$prebuilt_dir"
    xz -dc "$bundle/prebuilt/cifarbench-prebuilt.tar.xz" | tar -xf - -C "$prebuilt_dir" ||
      die "cannot unpack $bundle/prebuilt/cifarbench-prebuilt.tar.xz"
    cp "$bundle/prebuilt/MANIFEST" "$prebuilt_dir/MANIFEST"
    sed -n '1,9p' "$prebuilt_dir/MANIFEST"
    if why="$(bash "$gpu_tools/prebuilt.sh" check "$prebuilt_dir" "$torch_lib" "$libdir" 2>&1)"; then
      use_prebuilt=true
      binaries="prebuilt ($(sed -n 's/^revision=//p' "$prebuilt_dir/MANIFEST"), $(sed -n 's/^built_on=//p' "$prebuilt_dir/MANIFEST"))"
      # Their RUNPATH names the CPU machine's torch: this machine's comes first.
      export LD_LIBRARY_PATH="$torch_lib:$LD_LIBRARY_PATH"
      echo "$why"
    else
      binaries="built here (prebuilt not usable: $(tr '\n' ';' <<<"$why" | sed 's/;$//; s/;/; /g'))"
      printf 'not usable here:\n%s\n' "$(sed 's/^/  /' <<<"$why")"
    fi
  fi
  echo "binaries: $binaries"
fi

if [[ "$use_prebuilt" == false ]]; then
section "configure"
need_build_packages
cmake_args=(
  -S "$source_root" -B "$build_dir" -G "$generator"
  -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_PREFIX_PATH=$torch_prefix;$prefix/usr"
  "-DProtobuf_PROTOC_EXECUTABLE=$protoc"
)
echo "+ cmake ${cmake_args[*]}"
cmake "${cmake_args[@]}" 2>&1 | tee "$out/logs/configure.log"
# The settings that say what was built against what.
grep -E '^(CMAKE_BUILD_TYPE|CMAKE_GENERATOR|CMAKE_CXX_COMPILER|CMAKE_CXX_COMPILER_LAUNCHER|CMAKE_PREFIX_PATH|CMAKE_CUDA_COMPILER|CUDAToolkit_[A-Z_]*|CUDA_TOOLKIT_ROOT_DIR|TORCH_CUDA_ARCH_LIST|Torch_DIR|Caffe2_DIR|absl_DIR|GTest_DIR|Protobuf_INCLUDE_DIR|Protobuf_LIBRARY_RELEASE|Protobuf_PROTOC_EXECUTABLE|CIFARBENCH_[A-Z_]*)[:=]' \
  "$build_dir/CMakeCache.txt" >"$out/cmake-settings.txt" || true
grep -E '^-- cifarbench: ' "$out/logs/configure.log" >>"$out/cmake-settings.txt" || true
cat "$out/cmake-settings.txt"
if [[ "$device" == cuda* ]] && ! grep -q 'CUDA: ON' "$out/logs/configure.log"; then
  die "--device=$device, but the LibTorch found at $torch_prefix has no CUDA (see the 'cifarbench: LibTorch' line)"
fi

# ------------------------------------------------------------------------------------------
section "build"
build_rc=0
# Keep going past a failing file, so that one build shows every error (a GPU machine's time is
# too short for one fix per build).
keep_going=()
[[ "$generator" == Ninja ]] && keep_going=(-- -k 0)
[[ "$generator" == "Unix Makefiles" ]] && keep_going=(-- -k)
target_args=()
[[ -z "$targets" ]] || target_args=(--target ${targets//,/ })
cmake --build "$build_dir" --parallel "$jobs" "${target_args[@]}" "${keep_going[@]}" >"$build_dir/build.log" 2>&1 || build_rc=$?
# Each failure with its command line (ninja prints it after FAILED:) and the compiler's errors.
grep -E -A1 'FAILED:' "$build_dir/build.log" | cut -c1-3000 | sed -n 1,120p >"$out/logs/build-errors.log" || true
grep -E 'error:|Error [0-9]|undefined reference' "$build_dir/build.log" | sort | uniq -c |
  sort -rn | sed -n 1,80p >>"$out/logs/build-errors.log" || true
tail -n 200 "$build_dir/build.log" >"$out/logs/build-tail.log"
tail -n 20 "$build_dir/build.log"
[[ $build_rc -eq 0 ]] || head -n 60 "$out/logs/build-errors.log"
[[ $build_rc -eq 0 ]] || die "the build failed (exit $build_rc); the last lines are above, all of it in $build_dir/build.log"

# ------------------------------------------------------------------------------------------
fi
bin_dir="$build_dir"
[[ "$use_prebuilt" == false ]] || bin_dir="$prebuilt_dir"

if want_step ctest; then
section "ctest"
# Without the data step the real-data tests skip (they find no data here).
! want_step data || export CIFAR10_DIR="$data"
# The runbook's own test (it runs this script) is left out: it would nest, and it needs the
# network that the GPU machine lacks.
ctest_args=(--test-dir "$build_dir" --output-on-failure --parallel "$jobs" -E '^gpu_runbook_test$')
[[ -z "$ctest_regex" ]] || ctest_args+=(-R "$ctest_regex")
if [[ "$use_prebuilt" == true ]]; then
  # No ctest without a build tree: the shipped test binaries, each from the source root (where
  # ctest runs them), filtered by --ctest_regex.
  {
    t_pass=0 t_fail=0
    for t in $(grep -E '^[0-9a-f]{64}  tests/' "$prebuilt_dir/MANIFEST" | awk '{ print $2 }'); do
      name="$(basename "$t")"
      [[ -z "$ctest_regex" || "$name" =~ $ctest_regex ]] || continue
      echo "+ $t"
      if (cd "$source_root" && CIFAR10_DIR="$data" "$prebuilt_dir/$t"); then
        t_pass=$((t_pass + 1)); echo "Test $name: Passed"
      else
        t_fail=$((t_fail + 1)); echo "Test $name: ***Failed"
      fi
    done
    echo "prebuilt tests: $t_pass passed, $t_fail failed"
  } 2>&1 | tee "$out/logs/ctest.log"
  # As ctest's own failure stops the run (below), so does a shipped test's.
  grep -c '^prebuilt tests: [0-9]* passed, 0 failed$' "$out/logs/ctest.log" >/dev/null ||
    die "a shipped test failed: $(grep '^Test .*: \*\*\*Failed$' "$out/logs/ctest.log" | tr '\n' ' ')(logs/ctest.log)"
else
echo "+ CIFAR10_DIR=$data ctest ${ctest_args[*]}"
ctest "${ctest_args[@]}" 2>&1 | tee "$out/logs/ctest.log"
fi
fi
if ! want_step bench && [[ "$run_peers" == false ]]; then
  section "pack"
  pack "OK (steps: $steps)"
  echo "results: $tarball"
  echo "time:    ${SECONDS}s (per step: run.txt)"
  exit 0
fi

# ------------------------------------------------------------------------------------------
failed_recipes=()
if want_step bench; then
section "benchmarks"
bench="$bin_dir/bench/bench"
[[ -x "$bench" ]] || die "the build made no $bench"
mapfile -t shipped < <("$bench" --list | awk 'NR > 1 && NF == 0 { exit } NR > 1 { print $1 }')
[[ ${#shipped[@]} -gt 0 ]] || die "bench --list lists no recipes"
if [[ ${#requested[@]} -eq 0 ]]; then
  for r in "${shipped[@]}"; do
    [[ "$r" == *_smoke ]] && continue
    if [[ "$r" == hlb_record ]]; then requested+=("$r:10"); else requested+=("$r:1"); fi
  done
fi
for item in "${requested[@]}"; do
  [[ " ${shipped[*]} " == *" ${item%%:*} "* ]] ||
    die "no recipe '${item%%:*}' (bench --list has: ${shipped[*]})"
done
echo "recipes: ${requested[*]}"
if [[ "$dry_run" == true ]]; then
  for item in "${requested[@]}"; do
    runs="${item#*:}"
    echo "+ $bench --recipe=${item%%:*} --device=$device --data_dir=$data --out=$out/reports/${item%%:*}.json${runs:+ --runs=$runs}$([[ $profile == true ]] && echo " --profile=$out/reports/${item%%:*}.profile.md")"
  done
  echo "dry run: nothing benchmarked, nothing packed"
  exit 0
fi
# A recipe that fails does not stop the others (GPU time is precious); the step fails at the end.
for item in "${requested[@]}"; do
  name="${item%%:*}" runs="${item#*:}"
  cmd=("$bench" "--recipe=$name" "--device=$device" "--data_dir=$data"
       "--out=$out/reports/$name.json")
  [[ -z "$runs" ]] || cmd+=("--runs=$runs")
  [[ "$profile" != true ]] || cmd+=("--profile=$out/reports/$name.profile.md")
  printf '\n---- %s ----\n+ %s\n' "$name" "${cmd[*]}"
  "${cmd[@]}" 2>&1 | tee "$out/logs/bench-$name.log" || failed_recipes+=("$name")
done
compgen -G "$out/reports/*.json" >/dev/null || die "no recipe wrote a report"
fi

# ------------------------------------------------------------------------------------------
# The Python originals beside cifarbench's recipes (issue 15), in the same call.
peer_compares=()
if [[ "$run_peers" == true ]]; then
section "python originals"
mkdir -p "$out/peers"
peers_py="$source_root/tools/peers/peers.py"
read -r -a extra_peer_args <<<"$peers_args"
peer_device="$device"
[[ "$device" != cuda:* ]] || peer_device=cuda
IFS=',' read -r -a peer_items <<<"$peers_runs"
for item in "${peer_items[@]}"; do
  name="${item%%:*}" runs="${item#*:}"
  sub="$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import peers; print(peers.PEERS[sys.argv[2]]["subfolder"])' \
    "$source_root/tools/peers" "$name")" || die "tools/peers/peers.py does not know $name"
  printf '\n---- %s (Python original, %s/%s) ----\n' "$name" "$peers_dir" "$sub"
  if [[ ! -d "$peers_dir/$sub" ]]; then
    echo "skipped: no checkout $peers_dir/$sub" | tee "$out/logs/peers-$name.log"
    continue
  fi
  timeout_args=()
  cap="$peer_timeout"
  if [[ "$time_limit" -gt 0 ]]; then
    left=$((time_limit - SECONDS))
    if [[ "$name" == hiverge_record && $left -lt 240 ]]; then
      echo "skipped: ${left} s of --time_limit=$time_limit left, hiverge runs only with 240" | tee "$out/logs/peers-$name.log"
      continue
    fi
    if [[ $left -lt 90 ]]; then
      echo "skipped: ${left} s of --time_limit=$time_limit left" | tee "$out/logs/peers-$name.log"
      continue
    fi
    [[ "$cap" -gt 0 && "$cap" -le $((left - 30)) ]] || cap=$((left - 30))
  fi
  [[ "$cap" -eq 0 ]] || timeout_args=("--timeout=$cap")
  cmd=(python3 "$peers_py" run "--checkout=$peers_dir/$sub" "--recipe=$name" "--runs=$runs"
       "--device=$peer_device" "--data_dir=$data" "--work=$build_dir/peers-work/$name"
       "--log=$out/logs/peers-$name.stdout.log" "--out=$out/peers/$name.python.json"
       "${timeout_args[@]}" "${extra_peer_args[@]}")
  echo "+ ${cmd[*]}"
  peer_start=$SECONDS
  peer_rc=0
  "${cmd[@]}" >"$out/logs/peers-$name.log" 2>&1 || peer_rc=$?
  tail -n 5 "$out/logs/peers-$name.log"
  echo "$name (Python): exit $peer_rc, $((SECONDS - peer_start)) s in all (start, data cache, compile, every run)" |
    tee -a "$out/logs/peers-$name.log"
  ours="$out/reports/$name.json"
  [[ -f "$ours" || -z "$compare_with" ]] || ours="$compare_with/$name.json"
  if [[ -f "$out/peers/$name.python.json" && -f "$ours" ]]; then
    compare_rc=0
    mkdir -p "$out/peers/$name"
    echo "+ compare $out/peers/$name.python.json $ours"
    "$bin_dir/bench/compare" "$out/peers/$name.python.json" "$ours" \
      --base_label=python --new_label=cifarbench --gate_time=false \
      "--markdown_out=$out/peers/$name.compare.md" "--svg_dir=$out/peers/$name" \
      >"$out/logs/peers-$name.compare.log" 2>&1 || compare_rc=$?
    cat "$out/logs/peers-$name.compare.log"
    peer_compares+=("$name:$compare_rc")
  elif [[ -f "$out/peers/$name.python.json" ]]; then
    echo "no cifarbench report $name.json to compare with (add $name to --recipes, or pass --compare_with)"
  fi
done
fi

# ------------------------------------------------------------------------------------------
section "summary"
{
  if compgen -G "$out/reports/*.json" >/dev/null; then
    python3 "$gpu_tools/summarize.py" --markdown "$out"/reports/*.json
  else
    echo "# cifarbench results"
    echo
    echo "No cifarbench recipe ran in this call (steps: $steps)${compare_with:+; compared with the reports in $compare_with}."
  fi
  echo
  if [[ "$run_peers" == true ]]; then
    echo "## Side by side with the Python originals"
    echo
    echo "tools/peers/peers.py ran each original from $peers_dir (docs/peers.md)$(want_step bench && echo " after cifarbench's")"
    echo "$(want_step bench && echo "recipes, ")on the same machine; bench/compare (python = base, cifarbench = new) on the"
    echo "time its original publishes. Reports: peers/NAME.python.json, logs: logs/peers-NAME.*."
    echo
    for f in "$out"/logs/peers-*.log; do
      [[ "$f" == *.stdout.log || "$f" == *.compare.log ]] && continue
      echo "- $(basename "$f" .log | sed 's/^peers-//'): $(tail -n 1 "$f")"
    done
    echo
    # Each original's own warm-up (airbench's and hiverge's torch.compile), outside its timer.
    for f in "$out"/peers/*.python.json; do
      [[ -f "$f" ]] || continue
      python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); w = r.get("warmup", {})
name = sys.argv[1].rsplit("/", 1)[-1][:-len(".python.json")]
print("- %s warm-up: %s" % (name, "%.1f s, %s" % (w.get("seconds", 0), w.get("what", ""))
      if w.get("ran") else w.get("what") or "none"))' "$f"
    done
    echo
    for pc in "${peer_compares[@]}"; do
      echo "### ${pc%%:*} (compare exit ${pc#*:})"
      echo
      sed "s#](${pc%%:*}/#](peers/${pc%%:*}/#g" "$out/peers/${pc%%:*}.compare.md"
      echo
    done
  fi
  echo "## How"
  echo
  echo '```sh'
  echo "$command_line"
  echo '```'
  echo
  if [[ "$use_prebuilt" == true ]]; then
    echo "Binaries: $binaries; the tarball's run.txt has the source revision, logs/ the tests' output."
  else
    echo "Built with CMake ($generator, Release) against the bundle's Debian packages; the tarball's"
    echo "run.txt has the source revision, cmake-settings.txt the libraries, logs/ the ctest output."
  fi
} >"$out/summary.md"
if compgen -G "$out/reports/*.json" >/dev/null; then
  python3 "$gpu_tools/summarize.py" --table "$out"/reports/*.json >"$out/table.txt"
else
  echo "(no cifarbench recipe ran in this call: see summary.md)" >"$out/table.txt"
fi
echo "wrote $out/summary.md"

# ------------------------------------------------------------------------------------------
section "pack"
bench_status=OK
[[ ${#failed_recipes[@]} -eq 0 ]] ||
  bench_status="FAILED in step 'benchmarks' (${failed_recipes[*]}; see logs/bench-*.log)"
pack "$bench_status"
tar -tzf "$tarball" | sed 's/^/  /'
echo
echo "results: $tarball"
echo "time:    ${SECONDS}s (per step: run.txt)"
echo
cat "$out/table.txt"
if [[ "$bench_status" != OK ]]; then
  trap - EXIT
  echo "$prog: $bench_status" >&2
  exit 1
fi
