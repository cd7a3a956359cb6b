package outwatch

// events asks for nothing: Linux reports POLLERR and POLLHUP regardless
// (poll(2)), and a pipe's writing end gets POLLERR once no reader is left.
const events = 0
