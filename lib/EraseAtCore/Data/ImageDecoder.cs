using StbImageSharp;

namespace EraseAtCore.Data;

/// <summary>A decoded image: interleaved RGB bytes, row-major, top row first.</summary>
/// <param name="Rgb">Width * Height * 3 bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct RgbImage(byte[] Rgb, int Width, int Height);

/// <summary>
/// Reads JPEG, PNG and BMP files with StbImageSharp (a managed port of stb_image: no native library to
/// ship next to libtorch), always to 3 channels, so grey and RGBA files mix freely with colour ones.
/// Every failure is a <see cref="DataFormatException"/> that names the file and what to do.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="path"/> to RGB.</summary>
    /// <exception cref="DataFormatException">The file cannot be read or is not a decodable image.</exception>
    public static RgbImage Decode(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot be read ({e.Message}). Check its permissions, or remove it from the class folder.", e);
        }
        ImageResult image;
        try { image = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The decoder throws InvalidOperationException with stb's reason; a port of C code may also
            // trip over a malformed file with an index or arithmetic error: all mean "not a valid image".
            // (stb keeps its reason in one static field shared by all threads: with parallel decoding the
            // reason may be another file's; ImageFolder decodes a failed file again alone for that reason.)
            throw new DataFormatException(
                $"{path}: cannot be decoded as an image ({e.Message}); {bytes.Length} bytes. Expected a JPEG, PNG or BMP file " +
                "(baseline or progressive JPEG; not arithmetic-coded). The file is truncated, corrupt or in another format: " +
                "replace it, or remove it from the class folder.", e);
        }
        if (image.Width <= 0 || image.Height <= 0 || image.Data == null || image.Data.LongLength != (long)image.Width * image.Height * 3)
            throw new DataFormatException(
                $"{path}: decoded to {image.Width}x{image.Height} with {image.Data?.LongLength ?? 0} bytes, not " +
                "3 bytes per pixel. The file is corrupt: replace it, or remove it from the class folder.");
        return new RgbImage(image.Data, image.Width, image.Height);
    }
}
