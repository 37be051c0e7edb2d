using System.Buffers.Binary;
using System.Security.Cryptography;
using EraseAtCore.Training;

namespace EraseAtCore;

/// <summary>
/// The container of the kit's model files (checkpoints, EC modules): an 8-byte marker, JSON length (int64 LE),
/// JSON metadata, weights length (int64 LE), weights, then the SHA-256 of everything before it. Written
/// atomically; a truncated or altered file is detected by the checksum before anything is parsed.
/// </summary>
public static class SignedFile
{
    /// <summary>Writes the marker, metadata and weights to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ReadOnlySpan<byte> marker, byte[] json, MemoryStream weights)
    {
        if (marker.Length != 8) throw new ArgumentException("The marker must be 8 bytes.", nameof(marker));
        var magic = marker.ToArray();
        AtomicFile.Write(path, file =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> bytes) { file.Write(bytes); hash.AppendData(bytes); }
            Span<byte> length = stackalloc byte[8];
            Put(magic);
            BinaryPrimitives.WriteInt64LittleEndian(length, json.Length); Put(length);
            Put(json);
            BinaryPrimitives.WriteInt64LittleEndian(length, weights.Length); Put(length);
            Put(weights.GetBuffer().AsSpan(0, (int)weights.Length));
            file.Write(hash.GetHashAndReset());
        });
    }

    /// <summary>
    /// Reads and verifies <paramref name="path"/>. <paramref name="what"/> names the kind of file in errors ("EraseAtCore
    /// checkpoint"); <paramref name="remedy"/> says how to make it again.
    /// </summary>
    /// <exception cref="CheckpointException">Missing, not of this kind, truncated or altered (the message says which).</exception>
    public static (byte[] Json, byte[] Weights) Read(string path, ReadOnlySpan<byte> marker, string what, string remedy)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: no such {what} file.");
        byte[] all = File.ReadAllBytes(path);
        string Corrupt(string why) => $"{path}: not a readable {what} ({why}). The file is truncated or corrupt: {remedy}.";
        if (all.Length < marker.Length || !all.AsSpan(0, marker.Length).SequenceEqual(marker))
            throw new CheckpointException(Corrupt($"it does not start with the {System.Text.Encoding.ASCII.GetString(marker)} marker; is it a {what} at all?"));
        if (all.Length < marker.Length + 8 + 8 + 32)
            throw new CheckpointException(Corrupt($"only {all.Length} bytes"));
        var body = all.AsSpan(0, all.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(all.AsSpan(all.Length - 32)))
            throw new CheckpointException(Corrupt("its SHA-256 does not match its content"));
        long jsonLength = BinaryPrimitives.ReadInt64LittleEndian(body[marker.Length..]);
        long weightsAt = marker.Length + 8 + jsonLength;
        if (jsonLength < 0 || weightsAt + 8 > body.Length)
            throw new CheckpointException(Corrupt("bad metadata length"));
        long weightsLength = BinaryPrimitives.ReadInt64LittleEndian(body[(int)weightsAt..]);
        if (weightsLength < 0 || weightsAt + 8 + weightsLength != body.Length)
            throw new CheckpointException(Corrupt("bad weights length"));
        return (body.Slice(marker.Length + 8, (int)jsonLength).ToArray(), body.Slice((int)weightsAt + 8, (int)weightsLength).ToArray());
    }
}
