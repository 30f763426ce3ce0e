using System.Buffers.Binary;
using System.Numerics;

namespace UdpEcho.Policy;

/// <summary>
/// A fast 64-bit fingerprint of a datagram's bytes and length, for the loop guard to recognise its own echo coming
/// back. Not cryptographic: it only has to tell a peer's distinct datagrams apart, and a collision can cost a false
/// match, never an echo of someone else's data.
/// </summary>
internal static class Fingerprint
{
    private const ulong Prime1 = 0x9E37_79B1_85EB_CA87UL;
    private const ulong Prime2 = 0xC2B2_AE3D_27D4_EB4FUL;
    private const ulong Prime3 = 0x1656_67B1_9E37_79F9UL;

    public static ulong Of(ReadOnlySpan<byte> data)
    {
        // Four independent lanes of 8 bytes keep the multiplier busy: about 8 bytes per cycle on one core.
        ulong a = Prime1, b = Prime2, c = Prime3, d = Prime1 ^ Prime2;
        var rest = data;
        while (rest.Length >= 32)
        {
            a = Round(a, BinaryPrimitives.ReadUInt64LittleEndian(rest));
            b = Round(b, BinaryPrimitives.ReadUInt64LittleEndian(rest[8..]));
            c = Round(c, BinaryPrimitives.ReadUInt64LittleEndian(rest[16..]));
            d = Round(d, BinaryPrimitives.ReadUInt64LittleEndian(rest[24..]));
            rest = rest[32..];
        }

        var hash = BitOperations.RotateLeft(a, 1) + BitOperations.RotateLeft(b, 7) + BitOperations.RotateLeft(c, 12) + BitOperations.RotateLeft(d, 18);
        hash += (ulong)data.Length;
        while (rest.Length >= 8)
        {
            hash = Round(hash, BinaryPrimitives.ReadUInt64LittleEndian(rest));
            rest = rest[8..];
        }

        foreach (var value in rest)
        {
            hash = BitOperations.RotateLeft(hash ^ (value * Prime3), 11) * Prime1;
        }

        // Final avalanche, so that nearby inputs land far apart.
        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        return hash ^ (hash >> 32);
    }

    private static ulong Round(ulong lane, ulong input) => BitOperations.RotateLeft(lane + (input * Prime2), 31) * Prime1;
}
