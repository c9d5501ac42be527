"""License metadata (as GitHub reports it) and short license texts for fixture LICENSE files.

The texts are abbreviated: they carry the title and opening clauses that license detectors look for,
not the full legal text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LicenseInfo:
    key: str
    spdx_id: str
    name: str


LICENSES = {
    "apache-2.0": LicenseInfo("apache-2.0", "Apache-2.0", "Apache License 2.0"),
    "mit": LicenseInfo("mit", "MIT", "MIT License"),
    "gpl-3.0": LicenseInfo("gpl-3.0", "GPL-3.0", "GNU General Public License v3.0"),
    "bsd-3-clause": LicenseInfo("bsd-3-clause", "BSD-3-Clause", 'BSD 3-Clause "New" or "Revised" License'),
    "lgpl-2.1": LicenseInfo("lgpl-2.1", "LGPL-2.1", "GNU Lesser General Public License v2.1"),
    "other": LicenseInfo("other", "NOASSERTION", "Other"),
}

APACHE_2 = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction,
      and distribution as defined by Sections 1 through 9 of this document.

   2. Grant of Copyright License. Subject to the terms and conditions of
      this License, each Contributor hereby grants to You a perpetual,
      worldwide, non-exclusive, no-charge, royalty-free, irrevocable
      copyright license to reproduce, prepare Derivative Works of,
      publicly display, publicly perform, sublicense, and distribute the
      Work and such Derivative Works in Source or Object form.

   [... sections 3 to 9 abbreviated in this test fixture ...]

   END OF TERMS AND CONDITIONS

   Licensed under the Apache License, Version 2.0 (the "License");
   you may not use this file except in compliance with the License.
   You may obtain a copy of the License at

       http://www.apache.org/licenses/LICENSE-2.0
"""

MIT = """MIT License

Copyright (c) {year} {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

GPL_3 = """                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

                            Preamble

  The GNU General Public License is a free, copyleft license for
software and other kinds of works.

  [... the remaining preamble and terms are abbreviated in this test fixture ...]

  This program is free software: you can redistribute it and/or modify
  it under the terms of the GNU General Public License as published by
  the Free Software Foundation, either version 3 of the License, or
  (at your option) any later version.
"""


def license_text(key: str, *, year: int = 2020, holder: str = "The Authors") -> str:
    if key == "apache-2.0":
        return APACHE_2
    if key == "mit":
        return MIT.format(year=year, holder=holder)
    if key == "gpl-3.0":
        return GPL_3
    raise KeyError(f"no fixture text for license {key!r}")
