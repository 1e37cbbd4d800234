"""Tags the wheel with the platform of the native library it carries.

The library is loaded through ctypes, not as a CPython extension, so any
Python 3 on that platform can use it: the tag is `py3-none-<platform>`, and
the package is installed as platform-specific (platlib). bindings/ffi/package.sh
builds it, and retags it manylinux when auditwheel finds the library
consistent with a manylinux policy.
"""

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.dist import Distribution


class NativeDistribution(Distribution):
    """Carries a native library: never a pure-Python distribution."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    def get_tag(self):
        return "py3", "none", super().get_tag()[2]


setup(distclass=NativeDistribution, cmdclass={"bdist_wheel": PlatformWheel})
