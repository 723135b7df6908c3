package io.netrescue.tftp.server;

/** Every {@link TftpServerTest} again with {@link PortableTransferSocket} (IPv6 clients, non-Linux systems). */
class TftpServerPortableSocketTest extends TftpServerTest {
    @Override
    TransferSocket.Factory sockets() {
        return PortableTransferSocket::new;
    }
}
