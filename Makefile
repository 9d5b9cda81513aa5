# libnosigbus (C library), libnosigbus-preload.so and nosigbus.pc: native/lib/
# over native/guard/ (the guard and its fd admission, which the Node addon
# builds too, from binding.gyp). `npm run build:c` runs `make`.
#   make                      -> build-c/{libnosigbus.so,libnosigbus.a,libnosigbus-preload.so,nosigbus.pc}
#   make install PREFIX=/usr/local
CC ?= gcc
CFLAGS ?= -O2 -g
WARN = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC -fvisibility=hidden
PREFIX ?= /usr/local
OUT = build-c
VERSION = $(shell node -p "require('./package.json').version" 2>/dev/null || echo 0.1.0)

GUARD = $(OUT)/guard.o $(OUT)/admit.o
HDRS = include/nosigbus.h native/guard/guard.h native/guard/admit.h native/lib/nosigbus-internal.h
vpath %.c native/guard native/lib

all: $(OUT)/libnosigbus.so $(OUT)/libnosigbus.a $(OUT)/libnosigbus-preload.so $(OUT)/nosigbus.pc

$(OUT):
	mkdir -p $@

$(OUT)/%.o: %.c $(HDRS) | $(OUT)
	$(CC) $(WARN) $(CFLAGS) -c -o $@ $<

$(OUT)/libnosigbus.so: $(GUARD) $(OUT)/libnosigbus.o
	$(CC) -shared -Wl,-soname,libnosigbus.so.0 -Wl,-z,defs -o $@ $^ -lpthread
	ln -sf libnosigbus.so $(OUT)/libnosigbus.so.0

$(OUT)/libnosigbus.a: $(GUARD) $(OUT)/libnosigbus.o
	rm -f $@ && ar rcs $@ $^

$(OUT)/libnosigbus-preload.so: $(GUARD) $(OUT)/libnosigbus.o $(OUT)/preload.o
	$(CC) -shared -Wl,-z,defs -o $@ $^ -ldl -lpthread

# pkg-config: build-c/nosigbus.pc points into this tree; `make install` writes one for PREFIX.
PC = printf 'libdir=%s\nincludedir=%s\n\nName: nosigbus\nDescription: MAP_NOSIGBUS in user space: guarded mappings that read zeros past end of file\nVersion: %s\nLibs: -L$${libdir} -lnosigbus\nLibs.private: -lpthread\nCflags: -I$${includedir}\n'

$(OUT)/nosigbus.pc: Makefile | $(OUT)
	$(PC) '$(CURDIR)/$(OUT)' '$(CURDIR)/include' '$(VERSION)' > $@

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 include/nosigbus.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(OUT)/libnosigbus.so $(DESTDIR)$(PREFIX)/lib/libnosigbus.so.0
	ln -sf libnosigbus.so.0 $(DESTDIR)$(PREFIX)/lib/libnosigbus.so
	install -m 644 $(OUT)/libnosigbus.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(OUT)/libnosigbus-preload.so $(DESTDIR)$(PREFIX)/lib/
	$(PC) '$(PREFIX)/lib' '$(PREFIX)/include' '$(VERSION)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/nosigbus.pc

clean:
	rm -rf $(OUT)

.PHONY: all install clean
