// Reads and edits the GNU symbol-version tables of an ELF64 little-endian shared library.
//
// Why this exists: TorchSharp 0.107's libLibTorchSharp.so was linked with GCC 13 and so records a
// need for GLIBCXX_3.4.32, which Debian 12's libstdc++ (GCC 12) does not define. The only symbol
// bound to that version is std::ios_base_library_init(), a link-time marker that is never called.
// Marking that one version need "weak" (VER_FLG_WEAK in its Vernaux entry) lets glibc's loader
// accept the library; nothing else in the file changes. See README "How TorchSharp loads on
// Debian 12".
//
// This file is compiled in three places: by MSBuild's RoslynCodeTaskFactory (build/TorchNatives.targets,
// together with the task class at the bottom), and, with ELF_PATCH_LIBRARY_ONLY (which leaves the
// MSBuild task out), into EraseAtCore and its CPU probe, which patch a copy at run time when they run
// from the NuGet package (lib/EraseAtCore/Runtime/TorchNativePreload.cs). It must therefore use only
// the base class library. Its types are internal: no assembly exports them.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace EraseAtCore.Build
{
    /// <summary>One version requirement (a Vernaux entry) of an ELF file.</summary>
    internal sealed class ElfVersionNeed
    {
        /// <summary>Creates a version requirement record.</summary>
        public ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
        {
            File = file; Version = version; Flags = flags; FlagsOffset = flagsOffset;
        }

        /// <summary>The library the version is needed from, e.g. libstdc++.so.6.</summary>
        public string File { get; }
        /// <summary>The version name, e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; }
        /// <summary>vna_flags (0x2 = VER_FLG_WEAK).</summary>
        public ushort Flags { get; }
        /// <summary>File offset of the two bytes of vna_flags.</summary>
        public long FlagsOffset { get; }
        /// <summary>True when the loader tolerates the version being absent.</summary>
        public bool IsWeak => (Flags & ElfVersionNeeds.VerFlagWeak) != 0;
    }

    /// <summary>What <see cref="ElfVersionNeeds.Weaken"/> did.</summary>
    internal enum WeakenOutcome
    {
        /// <summary>The need was strong and is now weak.</summary>
        Weakened,
        /// <summary>The need was already weak; nothing was written.</summary>
        AlreadyWeak,
        /// <summary>The file has no such need; nothing was written.</summary>
        NotNeeded,
    }

    /// <summary>Parser and patcher for .gnu.version_r (needs) and .gnu.version_d (definitions).</summary>
    internal static class ElfVersionNeeds
    {
        /// <summary>VER_FLG_WEAK from elf.h.</summary>
        public const ushort VerFlagWeak = 0x2;
        const uint ShtGnuVerdef = 0x6ffffffd;
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Lists every version requirement recorded in the ELF image.</summary>
        public static List<ElfVersionNeed> ReadNeeds(byte[] elf)
        {
            var needs = new List<ElfVersionNeed>();
            foreach (var (offset, count, strtab) in Sections(elf, ShtGnuVerneed))
            {
                long vn = offset;
                for (uint i = 0; i < count; i++)
                {
                    ushort auxCount = U16(elf, vn + 2);
                    string file = CString(elf, strtab + U32(elf, vn + 4));
                    long aux = vn + U32(elf, vn + 8);
                    for (int j = 0; j < auxCount; j++)
                    {
                        needs.Add(new ElfVersionNeed(file, CString(elf, strtab + U32(elf, aux + 8)), U16(elf, aux + 4), aux + 4));
                        uint nextAux = U32(elf, aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = U32(elf, vn + 12);
                    if (next == 0) break;
                    vn += next;
                }
            }
            return needs;
        }

        /// <summary>Lists every version the ELF image defines (e.g. the GLIBCXX_* of libstdc++).</summary>
        public static List<string> ReadDefinitions(byte[] elf)
        {
            var defs = new List<string>();
            foreach (var (offset, count, strtab) in Sections(elf, ShtGnuVerdef))
            {
                long vd = offset;
                for (uint i = 0; i < count; i++)
                {
                    // The first Verdaux of a Verdef holds its own name; later ones name parents.
                    long aux = vd + U32(elf, vd + 12);
                    defs.Add(CString(elf, strtab + U32(elf, aux)));
                    uint next = U32(elf, vd + 16);
                    if (next == 0) break;
                    vd += next;
                }
            }
            return defs;
        }

        /// <summary>
        /// Marks the requirement for <paramref name="version"/> weak, in memory. Returns what was done;
        /// only the two bytes of that entry's vna_flags can change.
        /// </summary>
        public static WeakenOutcome Weaken(byte[] elf, string version)
        {
            var outcome = WeakenOutcome.NotNeeded;
            foreach (var need in ReadNeeds(elf))
            {
                if (need.Version != version) continue;
                if (need.IsWeak) { if (outcome == WeakenOutcome.NotNeeded) outcome = WeakenOutcome.AlreadyWeak; continue; }
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                elf[need.FlagsOffset] = (byte)flags;
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                outcome = WeakenOutcome.Weakened;
            }
            return outcome;
        }

        /// <summary>
        /// Weakens the need in a file on disk. The new content is written to a temporary file and
        /// moved over the original, so a hard link into the NuGet cache is replaced, never edited.
        /// </summary>
        public static WeakenOutcome WeakenFile(string path, string version)
        {
            byte[] elf = System.IO.File.ReadAllBytes(path);
            var outcome = Weaken(elf, version);
            if (outcome != WeakenOutcome.Weakened) return outcome;
            string temp = path + ".patching-" + Guid.NewGuid().ToString("N");
            try
            {
                System.IO.File.WriteAllBytes(temp, elf);
                // Replace renames over the target (atomic on Linux); netstandard2.0 lacks Move(overwrite).
                System.IO.File.Replace(temp, path, null);
            }
            finally
            {
                if (System.IO.File.Exists(temp)) System.IO.File.Delete(temp);
            }
            return outcome;
        }

        /// <summary>
        /// Finds the C++ runtime the dynamic loader would use, or null. Checked in the usual
        /// multi-arch and lib64 locations; good enough to decide whether the patch is needed.
        /// </summary>
        public static string? FindSystemLibStdCxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6",
                "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            foreach (var c in candidates)
                if (System.IO.File.Exists(c)) return c;
            return null;
        }

        static IEnumerable<(long Offset, uint Count, long StringTable)> Sections(byte[] elf, uint type)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file (bad magic)");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
            long shoff = (long)U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3a), shnum = U16(elf, 0x3c);
            if (shoff == 0 || shnum == 0)
                throw new InvalidDataException("the ELF file has no section headers");
            if (shoff + (long)shentsize * shnum > elf.Length)
                throw new InvalidDataException("the ELF file is truncated (section headers past the end)");
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (U32(elf, sh + 4) != type) continue;
                uint link = U32(elf, sh + 0x28);
                long strtab = (long)U64(elf, shoff + (long)link * shentsize + 0x18);
                yield return ((long)U64(elf, sh + 0x18), U32(elf, sh + 0x2c), strtab);
            }
        }

        static void Check(byte[] b, long at, int size)
        {
            if (at < 0 || at + size > b.Length)
                throw new InvalidDataException($"the ELF file is truncated or corrupt (offset {at} past its {b.Length} bytes)");
        }
        static ushort U16(byte[] b, long at) { Check(b, at, 2); return (ushort)(b[at] | b[at + 1] << 8); }
        static uint U32(byte[] b, long at) { Check(b, at, 4); return (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24); }
        static ulong U64(byte[] b, long at) => U32(b, at) | (ulong)U32(b, at + 4) << 32;
        static string CString(byte[] b, long at)
        {
            long end = at;
            while (true) { Check(b, end, 1); if (b[end] == 0) break; end++; }
            return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
        }
    }

#if !ELF_PATCH_LIBRARY_ONLY
    /// <summary>
    /// MSBuild task: weakens GLIBCXX_3.4.32 in the given copies of libLibTorchSharp.so when the host's
    /// libstdc++ does not define it. Never touches the NuGet cache: it only rewrites the files it is
    /// given (build output), by write-then-move.
    /// </summary>
    public sealed class WeakenTorchSharpGlibcxxNeed : Microsoft.Build.Utilities.Task
    {
        /// <summary>Copies of libLibTorchSharp.so in build output.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>The version need to weaken.</summary>
        public string Version { get; set; } = "GLIBCXX_3.4.32";

        /// <inheritdoc />
        public override bool Execute()
        {
            string? libstdcxx = ElfVersionNeeds.FindSystemLibStdCxx();
            if (libstdcxx != null && ElfVersionNeeds.ReadDefinitions(System.IO.File.ReadAllBytes(libstdcxx)).Contains(Version))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    $"{libstdcxx} defines {Version}: TorchSharp natives load as shipped, nothing to patch.");
                return true;
            }
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                if (!System.IO.File.Exists(path)) continue;
                try
                {
                    var outcome = ElfVersionNeeds.WeakenFile(path, Version);
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        $"{path}: {Version} need {outcome} (host libstdc++ {(libstdcxx ?? "not found")} lacks it).");
                }
                catch (Exception e) when (e is InvalidDataException || e is IOException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"Could not make {path} loadable on this host ({e.Message}). " +
                                 "Delete the bin/ and obj/ folders and rebuild; if it persists, report it with the file's size and SHA-256.");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
