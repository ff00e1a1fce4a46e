# regia: top-level build.
#
#   make            build build/regia and the kernels library
#   make demo       run the environmental job on the embedded demo data
#   make check      run every test that needs no GPU (ends with "N passed, N failed")
#   make bench      kernel benchmarks against R forecast::ets and statsmodels
#   make install    install regia under $(PREFIX)
#
# Switches: CUDA=0 builds without CUDA even where nvcc exists;
#           CUDA_ARCHS="80 90" chooses the fat-binary targets (sm_80 = A100, sm_90 = H100).
#           DEPS=0 skips the dependency installer (e.g. on Leonardo, after `source slurm/leonardo.env`).

SHELL      := /bin/bash
PREFIX     ?= /usr/local
BUILD      ?= build
DEPS       ?= 1
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# The tree being built: short revision, "-dirty.HASH" with uncommitted changes to tracked
# files, HASH the first 8 hex digits of the SHA-256 of `git diff HEAD`, so that two builds
# with different uncommitted code differ (the checkpoint fingerprint holds GIT_REV: a resumed
# run never reuses records computed by other code). --no-optional-locks: make never writes
# the git index, even while someone commits.
GIT_REV    := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)$(shell \
              git --no-optional-locks status --porcelain -uno 2>/dev/null | grep -q . && \
              echo -dirty.$$(git --no-optional-locks diff HEAD 2>/dev/null | sha256sum | cut -c1-8))

MPICC      ?= mpicc
CC_PLAIN   ?= gcc
NVCC       ?= $(shell command -v nvcc 2>/dev/null)
CUDA       ?= $(if $(NVCC),1,0)
CUDA_ARCHS ?= 80 90
CUDA_HOME  ?= $(patsubst %/bin/nvcc,%,$(NVCC))

# Debian puts the MPI build of NetCDF-C and HDF5 in their own trees; Leonardo's modules
# set NETCDF_C_HOME / HDF5_HOME (see slurm/leonardo.env).
NETCDF_INC ?= $(if $(NETCDF_C_HOME),$(NETCDF_C_HOME)/include,/usr/lib/x86_64-linux-gnu/netcdf/mpi/include)
NETCDF_LIB ?= $(if $(NETCDF_C_HOME),-L$(NETCDF_C_HOME)/lib -lnetcdf,-lnetcdf_mpi)
HDF5_INC   ?= $(if $(HDF5_HOME),$(HDF5_HOME)/include,/usr/include/hdf5/openmpi)
HDF5_LIB   ?= $(if $(HDF5_HOME),-L$(HDF5_HOME)/lib,-L/usr/lib/x86_64-linux-gnu/hdf5/openmpi) -lhdf5

# -fmad=false: no fused multiply-adds, as on the host (x86-64-v2 has no FMA), so the CUDA
# kernels round like the CPU reference (backend equivalence; docs/methods.md).
ifeq ($(CUDA),1)
CPPFLAGS   += -DREGIA_USE_CUDA=1
NVFLAGS    := -O3 -std=c++17 -fmad=false -Iinclude -DREGIA_USE_CUDA=1 -Xcompiler -fPIC,-Wall \
              $(foreach a,$(CUDA_ARCHS),-gencode arch=compute_$(a),code=sm_$(a)) \
              -gencode arch=compute_$(lastword $(CUDA_ARCHS)),code=compute_$(lastword $(CUDA_ARCHS))
CUDA_LIBS  := -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart -lcublas -lcurand -lcufft -lcusolver
endif

WARN       := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2
OPT        ?= -O3 -march=x86-64-v2 -g
CSTD       := -std=c17 -D_GNU_SOURCE
CPPFLAGS   += -Iinclude -DREGIA_VERSION=\"$(VERSION)\"
KFLAGS     := $(CSTD) $(OPT) $(WARN) -fopenmp $(CPPFLAGS)
PLPLOT_INC ?= /usr/include/plplot
HFLAGS     := $(CSTD) $(OPT) $(WARN) -fopenmp $(CPPFLAGS) -I$(NETCDF_INC) -I$(HDF5_INC) -I$(PLPLOT_INC)
# The kernels library needs FFTW (Welch spectra) and LAPACK/OpenBLAS (SSI, compensation) and
# nothing else of the host's: it links alone on a machine with CUDA (test_k_*, bench_*).
KLIB_LIBS  := -lfftw3 -llapacke -lopenblas -lm -fopenmp
# PLplot draws the quicklook figures (io/plot.c); jansson reads and writes the STAC catalog.
LDLIBS     := $(NETCDF_LIB) $(HDF5_LIB) -lmseed -lcrypto -lglpk -lplplot -ljansson $(KLIB_LIBS)


# --- sources: every .c file of a layer is part of it (no lists to forget) ---------------
KERNEL_SRC := runtime/status.c $(wildcard kernels/*.c kernels/cpu/*.c)
KERNEL_CU  := $(if $(filter 1,$(CUDA)),$(wildcard kernels/cuda/*.cu))
HOST_SRC   := $(filter-out runtime/status.c,$(wildcard runtime/*.c)) $(wildcard io/*.c) \
              $(filter-out drivers/main.c,$(wildcard drivers/*.c))
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(BUILD)/%.o) $(KERNEL_CU:%.cu=$(BUILD)/%.cu.o)
HOST_OBJ   := $(HOST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/version.o
KLIB       := $(BUILD)/libregia_kernels.a
HLIB       := $(BUILD)/libregia_host.a
REGIA      := $(BUILD)/regia

# Unit tests: tests/unit/test_*.c; those named test_k_* link only the kernels library
# (they run on a GPU machine that has nothing but CUDA).
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Test tools (fixture writers the command-line tests call): tests/tools/*.c -> $(BUILD)/tools/
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_SRC  := $(wildcard benchmarks/bench_*.c)
BENCH_BIN  := $(BENCH_SRC:benchmarks/%.c=$(BUILD)/benchmarks/%)

.PHONY: FORCE all deps deps-test deps-bench check demo bench install clean kernels tests
all: $(if $(filter 1,$(DEPS)),deps) $(REGIA) kernels
kernels: $(KLIB)
tests: $(UNIT_BIN) $(TOOL_BIN)

deps:
	@scripts/install-deps.sh build
deps-test:
	@scripts/install-deps.sh test
	@scripts/install-cf-checker.sh
	@scripts/install-peers.sh
	@scripts/install-stac-validator.sh
deps-bench:
	@scripts/install-deps.sh bench

# With DEPS=1 the installer runs before anything compiles (order-only, also under -j).
DEPS_FIRST := $(if $(filter 1,$(DEPS)),deps)

$(BUILD)/%.o: %.c $(wildcard include/regia/*.h) $(wildcard */*.h) $(wildcard */*/*_impl.h) | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@case $< in kernels/*|runtime/status.c) echo "  CC    $<"; $(CC_PLAIN) $(KFLAGS) -c $< -o $@ ;; \
	  *) echo "  MPICC $<"; $(MPICC) $(HFLAGS) -c $< -o $@ ;; esac

$(BUILD)/%.cu.o: %.cu $(wildcard include/regia/*.h) $(wildcard kernels/cuda/*.cuh) | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	@echo "  NVCC  $<"
	@$(NVCC) $(NVFLAGS) -c $< -o $@

# The CPU ETS lanes (kernels/cpu/ets.c) are vectorised only when the compiler may evaluate
# both sides of a select; floating-point results do not change (no -ffast-math).
$(BUILD)/kernels/cpu/ets.o: KFLAGS += -fno-trapping-math

# regia_git_rev (regia/version.h): regenerated on every make, rewritten (and so recompiled
# and relinked) only when the revision changed.
$(BUILD)/version.c: FORCE
	@mkdir -p $(dir $@)
	@v='/* generated by make (Makefile, GIT_REV): the tree this binary was built from */\n#include "regia/version.h"\nconst char regia_git_rev[] = "$(GIT_REV)";\n'; \
	  printf "$$v" | cmp -s - $@ || printf "$$v" >$@
$(BUILD)/version.o: $(BUILD)/version.c include/regia/version.h
	@echo "  CC    $<"; $(CC_PLAIN) $(KFLAGS) -c $< -o $@
FORCE:

$(KLIB): $(KERNEL_OBJ)
	@rm -f $@; ar rcs $@ $^

$(HLIB): $(HOST_OBJ)
	@rm -f $@; ar rcs $@ $^

$(REGIA): $(BUILD)/drivers/main.o $(HLIB) $(KLIB)
	@echo "  LINK  $@"
	@$(MPICC) -o $@ $^ $(LDLIBS) $(CUDA_LIBS) -lstdc++

$(BUILD)/tests/test_k_%: tests/unit/test_k_%.c tests/unit/check.h $(KLIB)
	@mkdir -p $(dir $@)
	@$(CC_PLAIN) $(KFLAGS) -Itests/unit -o $@ $< $(KLIB) $(KLIB_LIBS) $(CUDA_LIBS) -lstdc++

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/check.h $(HLIB) $(KLIB)
	@mkdir -p $(dir $@)
	@$(MPICC) $(HFLAGS) -Itests/unit -o $@ $< $(HLIB) $(KLIB) $(LDLIBS) $(CUDA_LIBS) -lstdc++

$(BUILD)/tools/%: tests/tools/%.c $(HLIB) $(KLIB)
	@mkdir -p $(dir $@)
	@$(MPICC) $(HFLAGS) -o $@ $< $(HLIB) $(KLIB) $(LDLIBS) $(CUDA_LIBS) -lstdc++

$(BUILD)/benchmarks/bench_%: benchmarks/bench_%.c $(KLIB)
	@mkdir -p $(dir $@)
	@$(CC_PLAIN) $(KFLAGS) -O3 -o $@ $< $(KLIB) $(KLIB_LIBS) $(CUDA_LIBS) -lstdc++

check: $(if $(filter 1,$(DEPS)),deps-test) $(REGIA) $(UNIT_BIN) $(TOOL_BIN)
	@REGIA=$(abspath $(REGIA)) BUILD=$(abspath $(BUILD)) tests/run.sh

demo: $(if $(filter 1,$(DEPS)),deps) $(REGIA)
	@REGIA=$(abspath $(REGIA)) scripts/demo.sh

bench: $(if $(filter 1,$(DEPS)),deps-bench) $(REGIA) $(BENCH_BIN)
	@REGIA=$(abspath $(REGIA)) BUILD=$(abspath $(BUILD)) benchmarks/run.sh

# PREFIX/bin/regia finds what `regia submit` needs under PREFIX/share/regia: the batch
# template (slurm/templates) and the Leonardo environment file (slurm/leonardo.env).
install: $(REGIA)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/regia/jobs \
	  $(DESTDIR)$(PREFIX)/share/regia/slurm/templates
	install -m 755 $(REGIA) $(DESTDIR)$(PREFIX)/bin/regia
	install -m 644 jobs/*.ini $(DESTDIR)$(PREFIX)/share/regia/jobs/
	install -m 644 slurm/leonardo.env $(DESTDIR)$(PREFIX)/share/regia/slurm/
	install -m 644 slurm/templates/*.in $(DESTDIR)$(PREFIX)/share/regia/slurm/templates/
	install -D -m 644 data/waitlist/pngla_services.csv $(DESTDIR)$(PREFIX)/share/regia/data/waitlist/pngla_services.csv

clean:
	rm -rf $(BUILD)

# --- GPU-only builds and the GPU benchmark (make bench-gpu) ------------------------------
# The kernels (and test_k_*, bench_*) find Random123 in third_party/ (vendored, header-only,
# see third_party/README.md), so `make DEPS=0 CUDA=1 kernels build/tests/test_k_backend_equiv
# build/benchmarks/bench_gpu` needs only gcc and the CUDA toolkit.  CUDA objects also
# depend on the shared host/device headers kernels/*_impl.h.
KFLAGS     += -isystem third_party
NVFLAGS    += -isystem third_party
$(KERNEL_CU:%.cu=$(BUILD)/%.cu.o): $(wildcard kernels/*_impl.h)

BENCH_GPU  := $(BUILD)/benchmarks/bench_gpu
BENCH_GPU_ARGS ?=
.PHONY: bench-gpu
# ETS + exceedance + breach on 10^4, 10^5, 10^6 series on the GPU, CPU ratio on a
# subsample; writes benchmarks/results/ets_gpu_<date>_<device>.{md,json} (device none
# where no GPU is visible).  BENCH_GPU_ARGS passes options (bench_gpu --help).
bench-gpu: $(BENCH_GPU)
	@$(BENCH_GPU) --out-dir benchmarks/results $(BENCH_GPU_ARGS)

$(BENCH_GPU): benchmarks/bench_gpu.c $(KLIB)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC_PLAIN) $(KFLAGS) $(if $(filter 1,$(CUDA)),-I$(CUDA_HOME)/include) -o $@ $< $(KLIB) -lm -fopenmp \
	  $(CUDA_LIBS) -lstdc++
