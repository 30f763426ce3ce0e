using System.Runtime.InteropServices;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// The native memory for one <c>recvmmsg</c>/<c>sendmmsg</c> batch: <see cref="Count"/> headers, each with its own
/// data buffer of <see cref="BufferSize"/> bytes, its own address buffer and, when asked for, its own buffer for the
/// kernel's control messages. Allocated once per loop and never moved, so the kernel can write into it with no
/// pinning and the loop allocates nothing per datagram.
/// </summary>
internal sealed unsafe class MessageBatch : IDisposable
{
    private readonly byte* _data;
    private readonly byte* _names;
    private readonly IoVec* _iov;
    private readonly byte* _control;
    private readonly int _controlSize;
    private MMsgHdr* _headers;

    public MessageBatch(int count, int bufferSize, int controlSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        Count = count;
        BufferSize = bufferSize;
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)count * (nuint)bufferSize, 64);
        _names = (byte*)NativeMemory.AllocZeroed((nuint)count, SockAddrStorageSize);
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(IoVec));
        _headers = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(MMsgHdr));
        _controlSize = controlSize;
        _control = controlSize > 0 ? (byte*)NativeMemory.AllocZeroed((nuint)count, (nuint)controlSize) : null;
        for (var i = 0; i < count; i++)
        {
            _iov[i].Base = _data + ((nint)i * bufferSize);
        }
    }

    public int Count { get; }

    public int BufferSize { get; }

    /// <summary>Gets the headers, for <see cref="ReceiveMessages"/> and <see cref="SendMessages"/>.</summary>
    public MMsgHdr* Headers => _headers;

    /// <summary>Makes every header ready to receive a whole buffer and any address (the kernel shrinks both).</summary>
    public void PrepareReceive()
    {
        for (var i = 0; i < Count; i++)
        {
            Prepare(i, BufferSize, SockAddrStorageSize);
            if (_control is not null)
            {
                _headers[i].Header.Control = _control + ((nint)i * _controlSize);
                _headers[i].Header.ControlLength = (nuint)_controlSize;
            }
        }
    }

    /// <summary>Gets the control messages the kernel attached to received message <paramref name="index"/> (empty when none).</summary>
    public ReadOnlySpan<byte> Control(int index) =>
        _control is null ? default : new(_headers[index].Header.Control, (int)_headers[index].Header.ControlLength);

    /// <summary>Gets the bytes message <paramref name="index"/> received (after a receive) or will send.</summary>
    public Span<byte> Data(int index, int length) => new(_iov[index].Base, length);

    /// <summary>Gets the address of message <paramref name="index"/>: the sender after a receive, the destination for a send.</summary>
    public Span<byte> Name(int index) => new(_headers[index].Header.Name, (int)_headers[index].Header.NameLength);

    /// <summary>Gets how many bytes message <paramref name="index"/> carried (after a receive) or was sent (after a send).</summary>
    public int Length(int index) => (int)_headers[index].Length;

    /// <summary>Gets the buffer descriptor of message <paramref name="index"/>; descriptors of consecutive messages are consecutive.</summary>
    public IoVec* Iov(int index) => &_iov[index];

    /// <summary>Makes message <paramref name="index"/> carry <paramref name="length"/> bytes when it is sent.</summary>
    public void SetLength(int index, int length) => _iov[index].Length = (nuint)length;

    /// <summary>Gets whether the kernel cut message <paramref name="index"/> to the buffer.</summary>
    public bool IsTruncated(int index) => (_headers[index].Header.Flags & MsgTrunc) != 0;

    /// <summary>Makes slot <paramref name="index"/> send <paramref name="length"/> bytes of its own buffer to the address in its own name buffer, <paramref name="nameLength"/> bytes long.</summary>
    public void PrepareSend(int index, int length, int nameLength) => Prepare(index, length, nameLength);

    public void Dispose()
    {
        if (_headers is null)
        {
            return;
        }

        NativeMemory.Free(_headers);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
        NativeMemory.Free(_control);
        NativeMemory.AlignedFree(_data);
        _headers = null;
    }

    /// <summary>Points header <paramref name="index"/> at its own buffer (<paramref name="length"/> bytes) and its own address buffer (<paramref name="nameLength"/> bytes; 0 for none).</summary>
    private void Prepare(int index, int length, int nameLength)
    {
        ref var header = ref _headers[index];
        _iov[index].Length = (nuint)length;
        header.Header.Name = nameLength == 0 ? null : _names + ((nint)index * SockAddrStorageSize);
        header.Header.NameLength = (uint)nameLength;
        header.Header.Iov = &_iov[index];
        header.Header.IovLength = 1;
        header.Header.Control = null;
        header.Header.ControlLength = 0;
        header.Header.Flags = 0;
        header.Length = 0;
    }
}
