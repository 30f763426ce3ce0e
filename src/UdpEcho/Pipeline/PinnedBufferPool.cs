namespace UdpEcho.Pipeline;

/// <summary>
/// Buffers for one loop's queued echoes, in power-of-two sizes from 64 bytes to 64 KiB, allocated on the pinned object
/// heap so that the loop can hand their addresses straight to the kernel. Freed buffers are kept for reuse up to
/// <c>retainBytes</c>, so a steady flow of delayed echoes allocates nothing. Not thread-safe: its queue's lock guards it.
/// </summary>
internal sealed class PinnedBufferPool(long retainBytes)
{
    private const int SmallestShift = 6;
    private const int LargestShift = 16;

    private readonly Stack<byte[]>[] _free = [.. Enumerable.Range(0, LargestShift - SmallestShift + 1).Select(_ => new Stack<byte[]>())];
    private long _retained;

    public byte[] Rent(int length)
    {
        var shift = Math.Max(SmallestShift, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Max(1, length - 1)));
        var free = _free[shift - SmallestShift];
        if (free.TryPop(out var buffer))
        {
            _retained -= buffer.Length;
            return buffer;
        }

        return GC.AllocateUninitializedArray<byte>(1 << shift, pinned: true);
    }

    public void Return(byte[] buffer)
    {
        if (_retained + buffer.Length > retainBytes)
        {
            return;
        }

        _retained += buffer.Length;
        _free[System.Numerics.BitOperations.Log2((uint)buffer.Length) - SmallestShift].Push(buffer);
    }
}
