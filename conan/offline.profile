# Offline route: Catch2 comes from the system (Debian's `catch2` package,
# installed by scripts/test.sh), which satisfies conanfile.txt's range.
include(default)

[settings]
compiler.cppstd=20
build_type=Release

[platform_requires]
catch2/2.13.10
