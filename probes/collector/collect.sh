#!/bin/sh
# placeholder being replaced
